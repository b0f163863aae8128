/**
 * Converting between the two paired layouts, as the reference's datasets/combine_A_and_B.py does:
 * `combine` joins A/x and B/x side by side into one aligned image; `split` cuts aligned images back
 * into A/ and B/ folders. Sub-folders (train/, val/, test/) are kept.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { UserError } from "../../errors.ts";
import type { SkippedFile } from "../dataset.ts";
import { alignedHalf, BadImageError, checkAlignedSize, checkPartnerSizes, decodeRgb } from "../decode.ts";
import { mapLimited } from "../map-limited.ts";
import { listSome } from "../open.ts";
import { listImages, pairByName } from "../sources.ts";

export interface ConversionReport {
  readonly written: number;
  readonly failed: readonly SkippedFile[];
}

/** Writes packed RGB bytes as an image file whose format follows its extension. */
export async function writeRgbFile(
  file: string,
  data: Uint8Array,
  width: number,
  height: number,
): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true });
  const image = sharp(data, { raw: { width, height, channels: 3 } });
  const ext = path.extname(file).toLowerCase();
  if (ext === ".jpg" || ext === ".jpeg") await image.jpeg({ quality: 95 }).toFile(file);
  else if (ext === ".webp") await image.webp({ lossless: true }).toFile(file);
  else await image.png().toFile(file);
}

/** Two width × height RGB images joined into one aligned image, `left` on the left. */
export function sideBySide(left: Uint8Array, right: Uint8Array, width: number, height: number): Uint8Array {
  const joined = new Uint8Array(width * 2 * height * 3);
  const row = width * 3;
  for (let y = 0; y < height; y++) {
    joined.set(left.subarray(y * row, (y + 1) * row), y * 2 * row);
    joined.set(right.subarray(y * row, (y + 1) * row), y * 2 * row + row);
  }
  return joined;
}

/** Runs `work` on every item, collecting bad files instead of stopping at the first. */
export async function convertAll<T>(
  items: readonly T[],
  work: (item: T) => Promise<void>,
): Promise<ConversionReport> {
  const failed: SkippedFile[] = [];
  let written = 0;
  await mapLimited(items, 4, async (item) => {
    try {
      await work(item);
      written++;
    } catch (error) {
      if (!(error instanceof BadImageError)) throw error;
      failed.push({ path: error.path, problem: error.problem });
    }
  });
  return { written, failed };
}

/** The sub-folders (splits) that both A and B have, or [""] when A and B hold the images directly. */
function commonSplits(dirA: string, dirB: string): string[] {
  const subfolders = (dir: string) =>
    readdirSync(dir).filter((name) => statSync(path.join(dir, name)).isDirectory());
  const inB = new Set(subfolders(dirB));
  const shared = subfolders(dirA).filter((name) => inB.has(name));
  return shared.length > 0 ? shared.sort() : [""];
}

function requireFolder(dir: string, flag: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError(`${flag} ${dir} is not a folder`);
}

/** A/[split/]x + B/[split/]x → out/[split/]x (A left, B right), named after A's file. */
export async function combineFolders(dirA: string, dirB: string, out: string): Promise<ConversionReport> {
  requireFolder(dirA, "--a");
  requireFolder(dirB, "--b");
  const jobs: { pathA: string; pathB: string; target: string }[] = [];
  const unpaired: string[] = [];
  for (const split of commonSplits(dirA, dirB)) {
    const listing = pairByName(path.join(dirA, split), path.join(dirB, split));
    unpaired.push(...listing.unpaired);
    for (const source of listing.sources) {
      if (source.kind !== "folders") continue;
      jobs.push({ ...source, target: path.join(out, path.relative(dirA, source.pathA)) });
    }
  }
  if (unpaired.length > 0) {
    throw new UserError(
      `${unpaired.length} file(s) have no partner of the same name in the other folder: ${listSome(unpaired, 20)}`,
      "A/x.jpg pairs with B/x.jpg (any extension)",
    );
  }
  return convertAll(jobs, async ({ pathA, pathB, target }) => {
    const [a, b] = await Promise.all([decodeRgb(pathA), decodeRgb(pathB)]);
    checkPartnerSizes(pathA, a, pathB, b);
    await writeRgbFile(target, sideBySide(a.data, b.data, a.width, a.height), a.width * 2, a.height);
  });
}

/** input/[split/]x (aligned) → out/A/[split/]x + out/B/[split/]x. */
export async function splitAligned(input: string, out: string): Promise<ConversionReport> {
  const files = listImages(input);
  if (files.length === 0) throw new UserError(`no images in ${input}`);
  return convertAll(files, async (file) => {
    const image = await decodeRgb(file);
    checkAlignedSize(file, image);
    const relative = path.relative(input, file);
    for (const side of ["A", "B"] as const) {
      const half = alignedHalf(image, side);
      const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
        .extract(half)
        .raw()
        .toBuffer();
      await writeRgbFile(path.join(out, side, relative), data, half.width, half.height);
    }
  });
}
