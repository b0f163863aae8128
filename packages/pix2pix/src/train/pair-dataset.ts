/**
 * A paired dataset over images already in memory (the studio's decoded files and drawings),
 * browser-safe. It draws what the file-backed dataset (data/open.ts) draws, in the same order (the
 * shuffle, then crop x, crop y and flip per pair), and applies the reference's transform with the same
 * functions (Pillow-exact bicubic, crop, flip, [-1, 1]), so the same pixels and seed give the same
 * batches as `pix2pix train` on those images as files.
 */
import type { PairBatch, PairedDataset } from "../data/dataset.ts";
import type { DataOptions } from "../data/options.ts";
import { stackSamples, transformPixels } from "../data/samples.ts";
import {
  type Augmentation,
  drawAugmentation,
  planTransform,
  type TransformOptions,
} from "../data/transform.ts";
import { UserError } from "../errors.ts";
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
      const samples = jobs.slice(start, start + batchSize).map(({ pair, augmentation }) => {
        const [input, target] = o.direction === "AtoB" ? [pair.a, pair.b] : [pair.b, pair.a];
        const plan = planTransform(input, transform, augmentation);
        return {
          name: pair.name,
          size: plan.output,
          input: transformPixels(input.data, input, inputNc, plan),
          target: transformPixels(target.data, target, outputNc, plan),
        };
      });
      yield stackSamples(samples, inputNc, outputNc);
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
