/**
 * From decoded pixels to a batch, the part every paired dataset shares (files through data/open.ts,
 * pairs in memory through train/pair-dataset.ts): one side through its transform plan, and samples
 * stacked into a batch. Browser-safe.
 */
import { UserError } from "../errors.ts";
import { resizeBicubic } from "../io/resample.ts";
import type { PairBatch } from "./dataset.ts";
import { rgbToLuma, toUnitRange } from "./pixels.ts";
import type { Size, TransformPlan } from "./transform.ts";

/**
 * Packed 8-bit RGB of `size` through the reference's transform: grayscale if asked (before the
 * resize, as the reference), resize (Pillow's bicubic, byte for byte; only the crop window is
 * computed: the same bytes as resizing all and cropping, for less work), then flip and scale to
 * [-1, 1]. The result is `plan.output` in size.
 */
export function transformPixels(
  rgb: Uint8Array,
  size: Size,
  channels: 1 | 3,
  plan: TransformPlan,
): Float32Array {
  const pixels = channels === 1 ? rgbToLuma(rgb) : rgb;
  const resized = plan.resize ?? size;
  const crop = plan.crop ?? { left: 0, top: 0, width: resized.width, height: resized.height };
  const cropped = resizeBicubic(
    pixels,
    size.width,
    size.height,
    channels,
    resized.width,
    resized.height,
    crop,
  );
  const all = { left: 0, top: 0, width: crop.width, height: crop.height };
  return toUnitRange(cropped, crop.width, channels, all, plan.flip);
}

/** One pair after its transform, and the name an error gives it. */
export interface Sample {
  readonly name: string;
  readonly size: Size;
  readonly input: Float32Array;
  readonly target: Float32Array;
}

/** Samples of one size as one NHWC batch; samples of different sizes are the user's to fix. */
export function stackSamples(samples: readonly Sample[], inputNc: number, outputNc: number): PairBatch {
  const [first] = samples;
  if (!first) throw new Error("a batch needs at least one sample");
  const { width, height } = first.size;
  const odd = samples.find((s) => s.size.width !== width || s.size.height !== height);
  if (odd) {
    throw new UserError(
      `pairs in one batch have different sizes: ${first.name} is ${width}x${height}, ` +
        `${odd.name} is ${odd.size.width}x${odd.size.height}`,
      "use a preprocess that gives one size (--preprocess resize_and_crop, the default), or a batch size of 1",
    );
  }
  const n = samples.length;
  const a = new Float32Array(n * height * width * inputNc);
  const b = new Float32Array(n * height * width * outputNc);
  samples.forEach((s, i) => {
    a.set(s.input, i * height * width * inputNc);
    b.set(s.target, i * height * width * outputNc);
  });
  return {
    a,
    b,
    shapeA: [n, height, width, inputNc],
    shapeB: [n, height, width, outputNc],
    paths: samples.map((s) => s.name),
  };
}
