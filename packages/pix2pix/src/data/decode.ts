/**
 * Loading one pair (Node): read the file(s), decode to 8-bit RGB with sharp (libvips), then the
 * reference's transform in plain TypeScript (Pillow-exact bicubic resize, crop, flip, scale to [-1, 1]).
 * Runs in the loader's worker threads.
 * A file that cannot be used becomes a `PairResult` naming it and what is wrong, never a crash.
 */
import { readFile, stat } from "node:fs/promises";
import sharp from "sharp";
import { cropPixels } from "./pixels.ts";
import { transformPixels } from "./samples.ts";
import type { PairSource } from "./sources.ts";
import { renderSyntheticPair } from "./synthetic.ts";
import {
  type Augmentation,
  planTransform,
  type Rect,
  type Size,
  type TransformOptions,
  type TransformPlan,
} from "./transform.ts";

/** A file the loader cannot use, and what is wrong with it in words a user can act on. */
export class BadImageError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

/** What to load for one pair: where from, the drawn augmentation, and the dataset's fixed settings. */
export interface PairJob {
  readonly source: PairSource;
  readonly augmentation: Augmentation;
  readonly transform: TransformOptions;
  /** The file side the generator reads (AtoB: A). */
  readonly inputSide: "A" | "B";
  readonly inputNc: 1 | 3;
  readonly outputNc: 1 | 3;
}

export type PairResult =
  | { readonly ok: true; readonly input: Float32Array; readonly target: Float32Array; readonly size: Size }
  | { readonly ok: false; readonly path: string; readonly problem: string };

interface RgbImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

function fileProblem(error: NodeJS.ErrnoException): string {
  if (error.code === "ENOENT") return "does not exist (or is a broken link)";
  if (error.code === "EACCES" || error.code === "EPERM") return "cannot be read (permission denied)";
  if (error.code === "EISDIR") return "is a folder, not an image";
  return `cannot be read (${error.message})`;
}

function decodeProblem(error: Error): string {
  const message = error.message
    .split("\n")
    .filter((line) => line.trim() !== "")
    .join("; ");
  if (/unsupported image format/i.test(message))
    return "is not an image sharp can decode (JPEG, PNG, WebP, ...)";
  // libvips' detail varies (a truncated JPEG may report only "Warning treated as error"), so one wording.
  return `is truncated or corrupt (${message})`;
}

async function readBytes(path: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    // A FIFO or device named x.jpg would block a read forever: only regular files are read.
    if (!(await stat(path)).isFile()) throw new BadImageError(path, "is not a regular file");
    bytes = await readFile(path);
  } catch (error) {
    if (error instanceof BadImageError) throw error;
    throw new BadImageError(path, fileProblem(error as NodeJS.ErrnoException));
  }
  if (bytes.length === 0) throw new BadImageError(path, "is empty (0 bytes)");
  return bytes;
}

/** The image's size from its header (fast: no pixel decoding). */
export async function readImageSize(path: string): Promise<Size> {
  const bytes = await readBytes(path);
  try {
    const { width, height } = await sharp(bytes).metadata();
    if (!width || !height) throw new BadImageError(path, "has no size in its header");
    return { width, height };
  } catch (error) {
    if (error instanceof BadImageError) throw error;
    throw new BadImageError(path, decodeProblem(error as Error));
  }
}

/** sharp keeps a single-band image single-band even when asked for sRGB: repeat the grey. */
function greyToRgb(data: Uint8Array, bands: number): Uint8Array {
  const pixels = data.length / bands;
  const rgb = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) rgb.fill(data[p * bands] as number, 3 * p, 3 * p + 3);
  return rgb;
}

/** Decodes to 8-bit sRGB: alpha dropped, 16-bit reduced, grayscale and CMYK converted, as PIL's convert("RGB"). */
export async function decodeRgb(path: string): Promise<RgbImage> {
  const bytes = await readBytes(path);
  try {
    const { data, info } = await sharp(bytes)
      .removeAlpha()
      .toColourspace("srgb")
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
    const rgb = info.channels === 3 ? data : greyToRgb(data, info.channels);
    return { data: rgb, width: info.width, height: info.height };
  } catch (error) {
    throw new BadImageError(path, decodeProblem(error as Error));
  }
}

/** An aligned image must split into two halves of the same size. */
export function checkAlignedSize(path: string, size: Size): void {
  if (size.width % 2 !== 0) {
    throw new BadImageError(
      path,
      `has an odd width (${size.width}x${size.height}): an aligned image holds A and B side by side and is split at width / 2`,
    );
  }
}

/** A pair from two folders must have one size. */
export function checkPartnerSizes(pathA: string, a: Size, pathB: string, b: Size): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new BadImageError(
      pathB,
      `is ${b.width}x${b.height} but its partner ${pathA} is ${a.width}x${a.height}: A and B must have the same size`,
    );
  }
}

/** One side of an aligned image: left half is A, right half is B (split at width / 2). */
export function alignedHalf(size: Size, side: "A" | "B"): Rect {
  const half = size.width / 2;
  return { left: side === "A" ? 0 : half, top: 0, width: half, height: size.height };
}

/** Where one side's pixels are: the decoded image and the part of it that is this side. */
interface Side {
  readonly image: RgbImage;
  readonly region: Rect;
}

/** Synthetic pairs are drawn at the crop size: of the transforms, only the flip applies. */
function planFor(job: PairJob, region: Rect): TransformPlan {
  if (job.source.kind === "synthetic") {
    return { flip: job.augmentation.flip, output: { width: region.width, height: region.height } };
  }
  return planTransform(region, job.transform, job.augmentation);
}

/** One side through the reference's transform (samples.ts), cut out of its image first. */
function transformSide(
  { image, region }: Side,
  job: PairJob,
  channels: 1 | 3,
): { data: Float32Array; size: Size } {
  const plan = planFor(job, region);
  const whole = region.left === 0 && region.width === image.width && region.height === image.height;
  const rgb = whole ? image.data : cropPixels(image.data, image.width, 3, region);
  return { data: transformPixels(rgb, region, channels, plan), size: plan.output };
}

function wholeImage(image: RgbImage): Side {
  return { image, region: { left: 0, top: 0, width: image.width, height: image.height } };
}

async function loadSides(job: PairJob): Promise<Record<"A" | "B", Side>> {
  const { source } = job;
  if (source.kind === "synthetic") {
    const size = job.transform.cropSize;
    const { photo, labels } = renderSyntheticPair(source.index, size);
    return {
      A: wholeImage({ data: photo, width: size, height: size }),
      B: wholeImage({ data: labels, width: size, height: size }),
    };
  }
  if (source.kind === "aligned") {
    const image = await decodeRgb(source.path);
    checkAlignedSize(source.path, image);
    return { A: { image, region: alignedHalf(image, "A") }, B: { image, region: alignedHalf(image, "B") } };
  }
  const [A, B] = await Promise.all([decodeRgb(source.pathA), decodeRgb(source.pathB)]);
  checkPartnerSizes(source.pathA, A, source.pathB, B);
  return { A: wholeImage(A), B: wholeImage(B) };
}

/** Loads one pair, ready for a batch: input and target as HWC floats in [-1, 1]. */
export async function loadPair(job: PairJob): Promise<PairResult> {
  try {
    const sides = await loadSides(job);
    const input = transformSide(sides[job.inputSide], job, job.inputNc);
    const target = transformSide(sides[job.inputSide === "A" ? "B" : "A"], job, job.outputNc);
    return { ok: true, input: input.data, target: target.data, size: input.size };
  } catch (error) {
    if (error instanceof BadImageError) return { ok: false, path: error.path, problem: error.problem };
    throw error;
  }
}
