/**
 * Image files ↔ float HWC pixels in [-1, 1], the range the networks see. Node-only (sharp).
 * Decoding follows the reference's PIL path: alpha dropped, 16-bit reduced to 8, grey from RGB with
 * the ITU-R 601 luma weights PIL's `convert("L")` / torchvision's Grayscale use.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import sharp, { type Metadata, type OutputInfo, type Sharp } from "sharp";
import { UserError } from "../errors.ts";
import { writeError, writeFileAtomic } from "./atomic-file.ts";
import { resizeBicubic } from "./resample.ts";

/** Pixels as the networks see them: HWC, values in [-1, 1]. */
export interface ImagePixels {
  readonly data: Float32Array;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

export interface ImageData32 extends ImagePixels {
  readonly channels: 1 | 3;
}

export interface ImageSize {
  readonly height: number;
  readonly width: number;
}

/** An image file's path, or its bytes (an upload): both decode the same way. */
export type ImageSource = string | Buffer;

const sourceName = (source: ImageSource) => (typeof source === "string" ? source : "given as bytes");

/**
 * Reads an image as `channels` channels in [-1, 1]. With `resize`, scales it (bicubic, as the
 * reference's PIL resize) to exactly that size, ignoring the aspect ratio as the reference does.
 */
export async function readImage(
  source: ImageSource,
  channels: 1 | 3,
  resize?: ImageSize,
): Promise<ImageData32> {
  const pipeline = sharp(source, { failOn: "error" }).removeAlpha().toColourspace("srgb");
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await pipeline.raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw imageError(sourceName(source), error);
  }
  const { data, info } = decoded;
  const decodedRgb = info.channels === 3 ? data : expandToRgb(data, info.channels);
  // Scaled as training scales (Pillow's bicubic, byte for byte), so a model sees what it learned from.
  const rgb = resize
    ? resizeBicubic(decodedRgb, info.width, info.height, 3, resize.width, resize.height)
    : decodedRgb;
  const { width, height } = resize ?? info;
  const pixels = width * height;
  const out = new Float32Array(pixels * channels);
  if (channels === 3) {
    for (let i = 0; i < out.length; i++) out[i] = (rgb[i] as number) / 127.5 - 1;
  } else {
    for (let p = 0; p < pixels; p++) {
      const r = rgb[3 * p] as number;
      const g = rgb[3 * p + 1] as number;
      const b = rgb[3 * p + 2] as number;
      // PIL's integer luma: L = (R·299 + G·587 + B·114) / 1000, truncated.
      out[p] = Math.floor((r * 299 + g * 587 + b * 114) / 1000) / 127.5 - 1;
    }
  }
  return { data: out, height, width, channels };
}

/**
 * The width and height stored in an image's header (read without decoding the pixels, so sharp's
 * 268-megapixel guard, which protects decoding, does not apply: tiles read larger images in bands).
 */
export async function imageSize(source: ImageSource): Promise<ImageSize> {
  let metadata: Metadata;
  try {
    metadata = await sharp(source, { failOn: "error", limitInputPixels: false }).metadata();
  } catch (error) {
    throw imageError(sourceName(source), error);
  }
  if (metadata.width === undefined || metadata.height === undefined) {
    throw new UserError(`cannot read image ${sourceName(source)}: no size in its header`);
  }
  return { width: metadata.width, height: metadata.height };
}

/** sharp keeps single-band inputs single-band even when asked for sRGB: replicate grey to RGB. */
function expandToRgb(data: Buffer, bands: number): Uint8Array {
  const pixels = data.length / bands;
  const rgb = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    const v = data[p * bands] as number;
    rgb[3 * p] = v;
    rgb[3 * p + 1] = v;
    rgb[3 * p + 2] = v;
  }
  return rgb;
}

function imageError(file: string, error: unknown): UserError {
  const reason = error instanceof Error ? error.message : String(error);
  if (/no such file|not found|ENOENT|Input file is missing/i.test(reason)) {
    return new UserError(`image file not found: ${file}`);
  }
  return new UserError(`cannot read image ${file}: ${reason}`, "is it a complete PNG, JPEG or WebP file?");
}

export type ImageFormat = "png" | "jpeg" | "webp";

const ENCODERS: Readonly<Record<ImageFormat, (s: Sharp) => Sharp>> = {
  png: (s) => s.png(),
  jpeg: (s) => s.jpeg({ quality: 95 }),
  webp: (s) => s.webp({ quality: 95 }),
};

const FORMATS: Readonly<Record<string, ImageFormat>> = {
  ".png": "png",
  ".jpg": "jpeg",
  ".jpeg": "jpeg",
  ".webp": "webp",
};

/** The format a file's extension names (.png, .jpg, .jpeg, .webp), or a UserError naming the file. */
export function imageFormatOf(file: string): ImageFormat {
  const extension = path.extname(file).toLowerCase();
  const format = FORMATS[extension];
  if (!format) {
    throw new UserError(
      `cannot write image ${file}: unknown extension '${extension}'`,
      `use one of ${Object.keys(FORMATS).join(" ")}`,
    );
  }
  return format;
}

/** `pipeline` encoding to `format` with the settings every image we write uses. */
export function encodeAs(pipeline: Sharp, format: ImageFormat): Sharp {
  return ENCODERS[format](pipeline);
}

/** The bytes of the image as a `format` file; with `resize`, scaled (bicubic) to that size first. */
export async function encodeImage(
  image: ImagePixels,
  format: ImageFormat,
  resize?: ImageSize,
): Promise<Buffer> {
  const { data, height, width, channels } = image;
  if (channels !== 1 && channels !== 3) throw new Error(`cannot encode ${channels} channels (1 or 3)`);
  if (data.length !== height * width * channels) {
    throw new Error(`image data has ${data.length} values, expected ${height}×${width}×${channels}`);
  }
  const bytes = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    // (x + 1) / 2 · 255 as the reference's tensor2im, but rounded rather than truncated, so that a
    // value read from a file is written back as the same byte.
    const v = Math.round((((data[i] as number) + 1) / 2) * 255);
    bytes[i] = Math.min(255, Math.max(0, v));
  }
  let pipeline = sharp(bytes, { raw: { width, height, channels } });
  if (channels === 1) pipeline = pipeline.toColourspace("b-w"); // else sharp writes grey as RGB
  if (resize) pipeline = pipeline.resize(resize.width, resize.height, { fit: "fill", kernel: "cubic" });
  return ENCODERS[format](pipeline).toBuffer();
}

/**
 * Writes an image in the format its extension names, creating parent folders, atomically (see
 * atomic-file.ts); with `resize`, scaled (bicubic) to that size first.
 */
export async function writeImage(file: string, image: ImagePixels, resize?: ImageSize): Promise<void> {
  const bytes = await encodeImage(image, imageFormatOf(file), resize);
  try {
    await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  } catch (error) {
    throw writeError(file, error);
  }
  await writeFileAtomic(file, bytes);
}
