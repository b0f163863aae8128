/**
 * An image of any size through a generator in overlapping square tiles, blended (infer/tiles.ts) and
 * written at the image's own size. Memory is bounded by one band of tiles, never the whole image: the
 * input is read a band of rows at a time (sharp decodes only up to the band's last row), and the output
 * goes out a strip of finished rows at a time into temporary PNG files that libvips joins and encodes
 * into the output file as a stream.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { rgbToLuma, toUnitRange } from "../data/pixels.ts";
import { UserError } from "../errors.ts";
import { writeAtomically } from "../io/atomic-file.ts";
import { encodeAs, encodeImage, type ImageFormat, type ImageSize, imageFormatOf } from "../io/images.ts";
import type { Network } from "../nn/network.ts";
import { axisWindows, BlendBand, overlapPixels, tileStarts } from "./tiles.ts";
import { type InferenceMode, translatePixels } from "./translate-pixels.ts";

export interface TiledTranslation {
  readonly mode: InferenceMode;
  readonly seed: number;
  /** The tiles' square size: one the generator takes. */
  readonly tile: number;
  /** The fraction of a tile its neighbours share. */
  readonly overlap: number;
  /** Tiles per forward pass. */
  readonly batchSize: number;
  readonly inputChannels: 1 | 3;
  readonly outputChannels: 1 | 3;
  /**
   * The image is scaled by this before it is cut (libvips' bicubic), and the output back to the
   * image's size: a model sees the scale it was trained at (maps: 600 px scaled to 256, so 256/600).
   */
  readonly scale: number;
}

/** The size tiles are cut from: the image scaled by `scale`. */
export function scaledSize(image: ImageSize, scale: number): ImageSize {
  return {
    width: Math.max(1, Math.round(image.width * scale)),
    height: Math.max(1, Math.round(image.height * scale)),
  };
}

/** sharp refuses images over 268 megapixels unless told: tiling exists for exactly those. */
const openInput = (file: string) => sharp(file, { failOn: "error", limitInputPixels: false });

function decodeError(file: string, error: unknown): UserError {
  const reason = error instanceof Error ? error.message : String(error);
  return new UserError(`cannot read image ${file}: ${reason}`, "is it a complete PNG, JPEG or WebP file?");
}

/** Floats with `channels` channels from decoded bytes with `bands` (1 or 3), as readImage converts. */
function toChannels(bytes: Uint8Array, bands: number, size: ImageSize, channels: 1 | 3): Float32Array {
  const all = { left: 0, top: 0, ...size };
  if (bands === channels) return toUnitRange(bytes, size.width, channels, all, false);
  if (channels === 1) return toUnitRange(rgbToLuma(bytes), size.width, 1, all, false);
  const grey = toUnitRange(bytes, size.width, 1, all, false);
  const rgb = new Float32Array(grey.length * 3);
  for (let p = 0; p < grey.length; p++) rgb.fill(grey[p] as number, 3 * p, 3 * p + 3);
  return rgb;
}

/**
 * Rows [top, top + rows) of the image scaled to `image`, mirrored out to `padded` (an image smaller
 * than a tile in one direction is extended by reflection, and the extension cropped from the output).
 */
async function readBand(
  file: string,
  image: ImageSize,
  top: number,
  padded: ImageSize,
  tile: number,
  channels: 1 | 3,
): Promise<Float32Array> {
  const rows = Math.min(tile, image.height - top);
  const pipeline = openInput(file)
    .removeAlpha()
    .toColourspace("srgb")
    // Scaling (when the image is not at `image`'s size) comes before the extract: sharp's order.
    .resize(image.width, image.height, { fit: "fill", kernel: "cubic" })
    .extract({ left: 0, top, width: image.width, height: rows })
    .extend({ right: padded.width - image.width, bottom: tile - rows, extendWith: "mirror" });
  try {
    const { data, info } = await pipeline.raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true });
    return toChannels(data, info.channels, { width: info.width, height: info.height }, channels);
  } catch (error) {
    throw decodeError(file, error);
  }
}

/** The tile at column `left` of a band `width` wide, HWC. */
function cutTile(band: Float32Array, width: number, left: number, tile: number, channels: number) {
  const data = new Float32Array(tile * tile * channels);
  const row = tile * channels;
  for (let y = 0; y < tile; y++) {
    const from = (y * width + left) * channels;
    data.set(band.subarray(from, from + row), y * row);
  }
  return { data, height: tile, width: tile, channels };
}

/** Columns [0, width) of rows `strip` (HWC, `paddedWidth` wide). */
function cropColumns(strip: Float32Array, paddedWidth: number, width: number, channels: number) {
  if (paddedWidth === width) return strip;
  const rows = strip.length / (paddedWidth * channels);
  const out = new Float32Array(rows * width * channels);
  for (let y = 0; y < rows; y++) {
    out.set(
      strip.subarray(y * paddedWidth * channels, (y * paddedWidth + width) * channels),
      y * width * channels,
    );
  }
  return out;
}

/**
 * Finished output rows, kept as PNG strips of `rows` rows in a temporary folder and joined into the
 * output by libvips as a stream. libvips joins images in a grid of equal cells, so every strip but the
 * last has the same height, and the last one's padding is cropped after the join.
 */
class StripFiles {
  private readonly files: string[] = [];
  private pending = new Float32Array(0);

  constructor(
    private readonly folder: string,
    private readonly width: number,
    private readonly channels: 1 | 3,
    private readonly rows: number,
  ) {}

  async add(data: Float32Array): Promise<void> {
    const joined = new Float32Array(this.pending.length + data.length);
    joined.set(this.pending);
    joined.set(data, this.pending.length);
    this.pending = joined;
    const stripValues = this.rows * this.width * this.channels;
    while (this.pending.length >= stripValues) await this.flush(stripValues);
  }

  private async flush(values: number): Promise<void> {
    const { width, channels } = this;
    const strip = {
      data: this.pending.subarray(0, values),
      height: values / (width * channels),
      width,
      channels,
    };
    const file = path.join(this.folder, `${String(this.files.length).padStart(6, "0")}.png`);
    await writeFile(file, await encodeImage(strip, "png"));
    this.files.push(file);
    this.pending = this.pending.slice(values);
  }

  /** Writes the rows added, `height` in all, to `file` as `format`, scaled to `size`. */
  async encode(format: ImageFormat, height: number, file: string, size: ImageSize): Promise<void> {
    if (this.pending.length > 0) await this.flush(this.pending.length);
    const [only] = this.files;
    const joined =
      this.files.length === 1 && only !== undefined
        ? sharp(only)
        : sharp(this.files, { join: { across: 1 }, limitInputPixels: false }).extract({
            left: 0,
            top: 0,
            width: this.width,
            height,
          });
    const scaled = joined.resize(size.width, size.height, { fit: "fill", kernel: "cubic" });
    await encodeAs(scaled, format).toFile(file);
  }
}

/** The number of tiles translating an image of `size` takes. */
export function tileCount(size: ImageSize, tile: number, overlap: number): number {
  const shared = overlapPixels(tile, overlap);
  return (
    tileStarts(Math.max(size.width, tile), tile, shared).length *
    tileStarts(Math.max(size.height, tile), tile, shared).length
  );
}

/**
 * Translates `input` (of size `original`) tile by tile and writes `output` (atomically) at its size.
 * `onTiles` is told the number of tiles done so far after each forward pass.
 */
export async function translateTiled(
  g: Network,
  input: string,
  output: string,
  original: ImageSize,
  o: TiledTranslation,
  onTiles?: (done: number) => void,
): Promise<void> {
  const format = imageFormatOf(output);
  const image = scaledSize(original, o.scale);
  const shared = overlapPixels(o.tile, o.overlap);
  const padded = { width: Math.max(image.width, o.tile), height: Math.max(image.height, o.tile) };
  const columns = tileStarts(padded.width, o.tile, shared);
  const bandTops = tileStarts(padded.height, o.tile, shared);
  const blend = new BlendBand(padded.width, o.tile, o.outputChannels);
  const across = axisWindows(columns, o.tile, shared);
  const down = axisWindows(bandTops, o.tile, shared);
  const folder = await mkdtemp(path.join(tmpdir(), "pix2pix-tiles-"));
  try {
    const strips = new StripFiles(folder, image.width, o.outputChannels, o.tile);
    const read = (top: number) => readBand(input, image, top, padded, o.tile, o.inputChannels);
    let next = read(bandTops[0] ?? 0);
    let done = 0;
    for (const [k, top] of bandTops.entries()) {
      const band = await next;
      const following = bandTops[k + 1];
      // The next band decodes while this one is in the network.
      if (following !== undefined) next = read(following);
      for (let first = 0; first < columns.length; first += o.batchSize) {
        const lefts = columns.slice(first, first + o.batchSize);
        const tiles = lefts.map((left) => cutTile(band, padded.width, left, o.tile, o.inputChannels));
        const outputs = await translatePixels(g, tiles, o.mode, o.seed);
        for (const [i, out] of outputs.entries()) {
          const column = first + i;
          blend.add(
            out.data,
            columns[column] as number,
            top,
            across[column] as Float32Array,
            down[k] as Float32Array,
          );
        }
        done += lefts.length;
        onTiles?.(done);
      }
      const finished = blend.take(Math.min(following ?? image.height, image.height));
      await strips.add(cropColumns(finished, padded.width, image.width, o.outputChannels));
    }
    await writeAtomically(output, (temp) => strips.encode(format, image.height, temp, original));
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
