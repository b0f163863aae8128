/**
 * Runs a generator over pairs and scores each output against its target: the core of `pix2pix test`
 * and of the training report's sample grid. Browser-safe (pairs come in as plain arrays).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Mode, Network } from "../nn/network.ts";
import type { Rng } from "../random.ts";
import { type Image, type ImageMetrics, imageMetrics } from "./metrics.ts";

/** A batch of pairs, NHWC in [-1, 1] (the data side's PairBatch satisfies it). */
export interface Pairs {
  readonly a: Float32Array;
  readonly b: Float32Array;
  readonly shapeA: readonly [number, number, number, number];
  readonly shapeB: readonly [number, number, number, number];
  readonly paths: readonly string[];
}

export interface Translation {
  readonly name: string;
  readonly input: Image;
  readonly output: Image;
  readonly target: Image;
  readonly metrics: ImageMetrics;
}

function slice(data: Float32Array, shape: readonly number[], i: number): Image {
  const [, height = 0, width = 0, channels = 0] = shape;
  const size = height * width * channels;
  return { data: data.slice(i * size, (i + 1) * size), height, width, channels };
}

/** G's outputs for one batch, in `mode` ("test": the paper's test time; "eval": running statistics, no dropout). */
export function translateBatch(g: Network, pairs: Pairs, mode: Mode, rng: Rng): Translation[] {
  const output = tf.tidy(() => {
    const a = tf.tensor4d(pairs.a, [...pairs.shapeA]);
    return g.apply(a, mode, rng);
  });
  const outputData = output.dataSync() as Float32Array;
  const outputShape = output.shape;
  output.dispose();
  return pairs.paths.map((name, i) => {
    const out = slice(outputData, outputShape, i);
    const target = slice(pairs.b, pairs.shapeB, i);
    return {
      name,
      input: slice(pairs.a, pairs.shapeA, i),
      output: out,
      target,
      metrics: imageMetrics(out, target),
    };
  });
}
