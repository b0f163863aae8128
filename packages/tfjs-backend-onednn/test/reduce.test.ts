import { describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { assertMatchesCpu, assertRunsNatively, randomTensor, valueAndGrads } from "./compare.ts";

const SHAPE = [3, 5, 7, 4];
// Batch-norm statistics (NHW), per-sample (HW), trailing, all, and scattered axes (transposed first).
const AXES: number[][] = [[0, 1, 2], [1, 2], [3], [0, 1, 2, 3], [0, 2], [1, 3]];

const REDUCTIONS: Record<string, (x: tf.Tensor, axes: number[], keepDims: boolean) => tf.Tensor> = {
  sum: tf.sum,
  mean: tf.mean,
  max: tf.max,
  min: tf.min,
};

describe("onednn reductions match the cpu backend", () => {
  for (const [name, reduce] of Object.entries(REDUCTIONS)) {
    test(`${name} over several axis sets, with and without keepDims: value and gradient`, async () => {
      for (const axes of AXES) {
        for (const keepDims of [false, true]) {
          await assertMatchesCpu(`${name} ${axes} ${keepDims}`, () =>
            valueAndGrads((x) => reduce(x, axes, keepDims), [randomTensor(SHAPE, 1)]),
          );
        }
      }
      await assertRunsNatively(name, () => [reduce(randomTensor([64, 64, 16], 2), [0, 1], false)]);
    });
  }

  test("moments over a large batch-norm input (the threaded path)", async () => {
    await assertMatchesCpu("moments", () => {
      const { mean, variance } = tf.moments(randomTensor([2, 64, 48, 16], 3), [0, 1, 2]);
      return [mean, variance, tf.mean(randomTensor([3, 100, 129], 4))];
    });
  });
});
