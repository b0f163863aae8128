import { describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { BACKEND_NAME, FUSED_BATCH_NORM_TRAINING, FUSED_BATCH_NORM_TRAINING_GRAD } from "../src/index.ts";
import { assertMatchesCpu, assertRunsNatively, randomTensor, valueAndGrads } from "./compare.ts";

describe("onednn batch norm matches the cpu backend", () => {
  test("tf.batchNorm with per-channel parameters: value and every gradient", async () => {
    await assertMatchesCpu("batchNorm", () =>
      valueAndGrads(
        (x, mean, variance, offset, scale) => tf.batchNorm(x, mean, tf.abs(variance), offset, scale, 1e-5),
        [randomTensor([3, 5, 7, 4], 1), ...[2, 3, 4, 5].map((seed) => randomTensor([4], seed))],
      ),
    );
    await assertRunsNatively("batchNorm", () => [
      tf.batchNorm(randomTensor([2, 8, 8, 4], 1), randomTensor([4], 2), tf.ones([4]), randomTensor([4], 3)),
    ]);
  });

  test("tf.batchNorm with statistics from tf.moments: value and gradient; without scale or offset", async () => {
    await assertMatchesCpu("moments + batchNorm", () =>
      valueAndGrads(
        (x, scale) => {
          const { mean, variance } = tf.moments(x, [0, 1, 2]);
          return tf.batchNorm(x, mean, variance, tf.zeros([5]), scale, 1e-5);
        },
        [randomTensor([2, 9, 6, 5], 6), randomTensor([5], 7)],
      ),
    );
    // (tfjs itself cannot differentiate batchNorm without scale and offset, so this one is forward only.)
    await assertMatchesCpu("batchNorm without scale or offset", () => [
      tf.batchNorm(
        randomTensor([2, 9, 6, 5], 6),
        randomTensor([5], 8),
        tf.ones([5]),
        undefined,
        undefined,
        1e-3,
      ),
    ]);
  });
});

const EPSILON = 1e-5;

/** Batch norm in training mode from tf ops (what models compose on any backend): y, mean, variance. */
function composedBatchNormTraining(x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor): tf.Tensor[] {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  const y = tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, EPSILON))), scale), offset);
  return [y, mean, variance];
}

/**
 * y, mean and variance, then the gradients with respect to x, scale and offset for upstream gradients
 * reaching all three: by the two kernels on onednn, by tf ops and tf.grads elsewhere.
 */
function batchNormTrainingAndGradients(shape: number[]): tf.Tensor[] {
  const channels = shape.at(-1) as number;
  const [x, scale, offset] = [
    randomTensor(shape, 1),
    randomTensor([channels], 2),
    randomTensor([channels], 3),
  ];
  const [dy, dMean, dVariance] = [
    randomTensor(shape, 4),
    randomTensor([channels], 5),
    randomTensor([channels], 6),
  ];
  if (tf.getBackend() !== BACKEND_NAME) {
    const weighted = (...inputs: tf.Tensor[]) => {
      const outputs = composedBatchNormTraining(...(inputs as [tf.Tensor, tf.Tensor, tf.Tensor]));
      return tf.addN(
        outputs.map((output, i) => tf.sum(tf.mul(output, [dy, dMean, dVariance][i] as tf.Tensor))),
      );
    };
    return [...composedBatchNormTraining(x, scale, offset), ...tf.grads(weighted)([x, scale, offset])];
  }
  const attrs = { epsilon: EPSILON };
  const outputs = tf
    .engine()
    .runKernel(FUSED_BATCH_NORM_TRAINING, { x, scale, offset }, attrs) as tf.Tensor[];
  const [, mean, variance] = outputs as [tf.Tensor, tf.Tensor, tf.Tensor];
  const gradInputs = { dy, x, scale, mean, variance, dMean, dVariance };
  return [
    ...outputs,
    ...(tf.engine().runKernel(FUSED_BATCH_NORM_TRAINING_GRAD, gradInputs, attrs) as tf.Tensor[]),
  ];
}

describe("the FusedBatchNormTraining kernels match batch norm composed from tf ops on cpu", () => {
  for (const shape of [
    [2, 9, 7, 5],
    [1, 16, 16, 64],
    [3, 1, 1, 8],
  ]) {
    test(`${shape}: y, mean, variance, and the gradients (also those reaching mean and variance)`, async () => {
      await assertMatchesCpu(`batch norm training ${shape}`, () => batchNormTrainingAndGradients(shape));
    });
  }
});
