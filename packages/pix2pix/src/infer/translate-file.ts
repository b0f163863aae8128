/**
 * One image file through an opened generator into one output file, written atomically: the unit of work
 * of `translate` on a folder and of a queue worker. An image larger than the network's size is cut
 * into blended tiles when the generator is fully convolutional in the mode it runs in (or when asked);
 * any other image is scaled to the network's size, as the reference does.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { UserError } from "../errors.ts";
import { type ImagePixels, type ImageSize, imageSize, readImage, writeImage } from "../io/images.ts";
import type { GeneratorName } from "../models/options.ts";
import type { OpenedGenerator } from "./generator-file.ts";
import type { TileChoice, TranslateOptions } from "./translate-options.ts";
import { type InferenceMode, translatePixels } from "./translate-pixels.ts";
import { scaledSize, tileCount, translateTiled } from "./translate-tiled.ts";

/** How to translate each file; `fileTranslationOptions` derives it from translate's options. */
export interface FileTranslationOptions {
  /** The network's square input size, and the tiles' size (see `networkSize`). */
  readonly size: number;
  readonly mode: InferenceMode;
  readonly seed: number;
  /** auto: tiles for an image wider or taller than `size` when the generator is fully convolutional. */
  readonly tile: TileChoice;
  /** The fraction of a tile its neighbours share. */
  readonly tileOverlap: number;
  /** Tiles are cut from the image scaled by this (the output is scaled back). */
  readonly tileScale: number;
  /** Tiles per forward pass. */
  readonly batchSize: number;
  /** An image scaled to the network's size is written back at its own size (bicubic). */
  readonly originalSize: boolean;
}

export interface FileTranslation {
  /** The size written. */
  readonly width: number;
  readonly height: number;
  /** Tiles translated; 0 when the image was scaled to the network's size instead. */
  readonly tiles: number;
}

/** Image files hold 1 or 3 channels. */
export function imageChannels(flag: string, value: number): 1 | 3 {
  if (value !== 1 && value !== 3)
    throw new UserError(`--${flag} must be 1 or 3 to read or write images, got ${value}`);
  return value;
}

/**
 * Whether a tile's output does not depend on where the tile was cut beyond its own pixels: a ResNet
 * (convolutions with a small receptive field) in either mode, a U-Net only with running statistics
 * (in the paper's test mode each tile is normalised by its own batch statistics).
 */
export function tilesByDefault(netG: GeneratorName, mode: InferenceMode): boolean {
  return netG.startsWith("resnet") || mode === "eval";
}

export function fileTranslationOptions(
  o: Pick<
    TranslateOptions,
    "eval" | "seed" | "tile" | "tileOverlap" | "tileScale" | "batchSize" | "originalSize"
  >,
  size: number,
): FileTranslationOptions {
  const { seed, tile, tileOverlap, tileScale, batchSize, originalSize } = o;
  const mode = o.eval ? "eval" : "test";
  return { size, mode, seed, tile, tileOverlap, tileScale, batchSize, originalSize };
}

/** Whether `image` is translated in tiles (else scaled to the network's size). */
export function usesTiles(generator: OpenedGenerator, image: ImageSize, o: FileTranslationOptions): boolean {
  if (o.tile !== "auto") return o.tile === "on";
  const cut = scaledSize(image, o.tileScale);
  const larger = cut.width > o.size || cut.height > o.size;
  return larger && tilesByDefault(generator.architecture.netG, o.mode);
}

/**
 * Translates the image file `input` with `generator` and writes `output` (its format from its
 * extension: .png, .jpg, .jpeg or .webp; parent folders created) atomically: a reader, or a job killed
 * half-way, sees the old file or the new one, never a torn one. Tiled (see `usesTiles`), the output has
 * the input's size and memory holds one band of tiles; otherwise the image is scaled to `o.size`
 * (bicubic, as training) and written at that size, or at its own with `o.originalSize`.
 * `onTiles(done, total)` follows a tiled image's progress. Throws a UserError naming the file for an
 * unreadable image or an unwritable output. Does not dispose the generator.
 */
export async function translateFile(
  generator: OpenedGenerator,
  input: string,
  output: string,
  o: FileTranslationOptions,
  onTiles?: (done: number, total: number) => void,
): Promise<FileTranslation> {
  const { network, architecture } = generator;
  const inputChannels = imageChannels("input-nc", architecture.inputNc);
  const outputChannels = imageChannels("output-nc", architecture.outputNc);
  const size = await imageSize(input);
  await mkdir(path.dirname(path.resolve(output)), { recursive: true });
  if (usesTiles(generator, size, o)) {
    const total = tileCount(scaledSize(size, o.tileScale), o.size, o.tileOverlap);
    const tiling = {
      ...o,
      tile: o.size,
      overlap: o.tileOverlap,
      scale: o.tileScale,
      inputChannels,
      outputChannels,
    };
    await translateTiled(network, input, output, size, tiling, (done) => onTiles?.(done, total));
    return { ...size, tiles: total };
  }
  const image = await readImage(input, inputChannels, { height: o.size, width: o.size });
  const [translated] = await translatePixels(network, [image], o.mode, o.seed);
  const written = o.originalSize ? size : { width: o.size, height: o.size };
  await writeImage(output, translated as ImagePixels, written);
  return { ...written, tiles: 0 };
}
