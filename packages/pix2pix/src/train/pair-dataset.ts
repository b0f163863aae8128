/**
 * A paired dataset over images already in memory (the studio's decoded files and drawings),
 * browser-safe. It draws what the file-backed dataset (data/open.ts) draws, in the same order (the
 * shuffle, then crop x, crop y and flip per pair), and applies the reference's transform with the same
 * functions (Pillow-exact bicubic, crop, flip, [-1, 1]), so the same pixels and seed give the same
 * batches as `pix2pix train` on those images as files.
 */
import type { PairBatch, PairedDataset } from "../data/dataset.ts";
import type { DataOptions } from "../data/options.ts";
import { rgbToLuma, toUnitRange } from "../data/pixels.ts";
import {
  type Augmentation,
  drawAugmentation,
  planTransform,
  type TransformOptions,
} from "../data/transform.ts";
import { UserError } from "../errors.ts";
import { resizeBicubic } from "../io/resample.ts";
import type { Rng } from "../random.ts";

/** Packed 8-bit RGB, row by row. */
export interface RgbImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** One training pair: A and B of one size (A is the input for direction AtoB). */
export interface ImagePair {
  readonly name: string;
  readonly a: RgbImage;
  readonly b: RgbImage;
}

export type PairDataOptions = Pick<
  DataOptions,
  "preprocess" | "loadSize" | "cropSize" | "noFlip" | "serialBatches" | "direction" | "inputNc" | "outputNc"
>;

function channels(flag: string, value: number): 1 | 3 {
  if (value === 1 || value === 3) return value;
  throw new UserError(`option ${flag} must be 1 (grayscale) or 3 (RGB), got ${value}`);
}

function checkPairs(pairs: readonly ImagePair[]): void {
  if (pairs.length === 0) throw new UserError("no training pairs", "add at least one pair of images");
  for (const { name, a, b } of pairs) {
    for (const image of [a, b]) {
      if (image.data.length !== image.width * image.height * 3) {
        throw new UserError(
          `pair ${name}: ${image.data.length} bytes is not ${image.width}x${image.height} RGB`,
        );
      }
    }
    if (a.width !== b.width || a.height !== b.height) {
      throw new UserError(
        `pair ${name}: A is ${a.width}x${a.height} but B is ${b.width}x${b.height}`,
        "A and B of a pair must have the same size",
      );
    }
  }
}

/**
 * One side through the reference's transform: grayscale if asked (before the resize), resize (the
 * crop window only), then flip and scale to [-1, 1].
 */
function transformSide(
  image: RgbImage,
  nc: 1 | 3,
  transform: TransformOptions,
  augmentation: Augmentation,
): { data: Float32Array; width: number; height: number } {
  const plan = planTransform(image, transform, augmentation);
  const pixels = nc === 1 ? rgbToLuma(image.data) : image.data;
  const resized = plan.resize ?? image;
  const crop = plan.crop ?? { left: 0, top: 0, width: resized.width, height: resized.height };
  const cropped = resizeBicubic(pixels, image.width, image.height, nc, resized.width, resized.height, crop);
  const all = { left: 0, top: 0, width: crop.width, height: crop.height };
  return {
    data: toUnitRange(cropped, crop.width, nc, all, plan.flip),
    width: crop.width,
    height: crop.height,
  };
}

export function pairDataset(pairs: readonly ImagePair[], o: PairDataOptions): PairedDataset {
  checkPairs(pairs);
  const inputNc = channels("input-nc", o.inputNc);
  const outputNc = channels("output-nc", o.outputNc);
  const transform: TransformOptions = {
    preprocess: o.preprocess,
    loadSize: o.loadSize,
    cropSize: o.cropSize,
    noFlip: o.noFlip,
  };

  type Job = { readonly pair: ImagePair; readonly augmentation: Augmentation };

  async function* epoch(jobs: readonly Job[], batchSize: number): AsyncGenerator<PairBatch> {
    for (let start = 0; start < jobs.length; start += batchSize) {
      const members = jobs.slice(start, start + batchSize).map(({ pair, augmentation }) => {
        const [input, target] = o.direction === "AtoB" ? [pair.a, pair.b] : [pair.b, pair.a];
        return {
          name: pair.name,
          input: transformSide(input, inputNc, transform, augmentation),
          target: transformSide(target, outputNc, transform, augmentation),
        };
      });
      const { width, height } = (members[0] as (typeof members)[number]).input;
      const odd = members.find((m) => m.input.width !== width || m.input.height !== height);
      if (odd) {
        throw new UserError(
          `pairs in one batch have different sizes after the transform: ${odd.name} is ${odd.input.width}x${odd.input.height}, not ${width}x${height}`,
          "use a preprocess that gives one size (resize_and_crop, the default), or a batch size of 1",
        );
      }
      const n = members.length;
      const a = new Float32Array(n * height * width * inputNc);
      const b = new Float32Array(n * height * width * outputNc);
      members.forEach((m, i) => {
        a.set(m.input.data, i * height * width * inputNc);
        b.set(m.target.data, i * height * width * outputNc);
      });
      yield {
        a,
        b,
        shapeA: [n, height, width, inputNc],
        shapeB: [n, height, width, outputNc],
        paths: members.map((m) => m.name),
      };
    }
  }

  return {
    size: pairs.length,
    skipped: [],
    batches(batchSize: number, rng: Rng): AsyncIterable<PairBatch> {
      // Everything random is drawn now, in the file-backed dataset's order.
      const order = pairs.map((_, i) => i);
      if (!o.serialBatches) rng.shuffle(order);
      const jobs = order.map((i) => ({
        pair: pairs[i] as ImagePair,
        augmentation: drawAugmentation(rng, o.noFlip),
      }));
      return { [Symbol.asyncIterator]: () => epoch(jobs, batchSize) };
    },
    close: async () => {},
  };
}
