import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { BACKEND_NAME, fusedAdamUpdate, fusedBatchNormTraining, setPoisonOutputs } from "../src/index.ts";
import {
  assertMatchesCpu,
  assertRunsNatively,
  randomTensor,
  relativeError,
  TOLERANCE,
  valueAndGrads,
} from "./compare.ts";

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

describe("the fusedAdamUpdate op", () => {
  test("on onednn, equals PyTorch's Adam formula computed with tf ops on cpu; elsewhere, returns undefined", async () => {
    const [param, grad, m, v] = [1, 2, 3, 4].map((seed) => randomTensor([4, 4, 3, 5], seed)) as [
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
    ];
    const attrs = {
      beta1: 0.5,
      beta2: 0.999,
      eps: 1e-8,
      stepSize: 2e-4 / (1 - 0.5 ** 3),
      biasCorrection2Sqrt: Math.sqrt(1 - 0.999 ** 3),
    };
    const vPositive = tf.abs(v);
    await tf.setBackend(BACKEND_NAME);
    const fused = fusedAdamUpdate(param, grad, m, vPositive, attrs)?.map((t) => t.dataSync().slice());
    assert.ok(fused !== undefined, "the onednn backend has the kernel");
    await tf.setBackend("cpu");
    assert.equal(fusedAdamUpdate(param, grad, m, vPositive, attrs), undefined, "the cpu backend has not");
    const mNew = tf.add(tf.mul(m, attrs.beta1), tf.mul(grad, 1 - attrs.beta1));
    const vNew = tf.add(tf.mul(vPositive, attrs.beta2), tf.mul(tf.square(grad), 1 - attrs.beta2));
    const denom = tf.add(tf.div(tf.sqrt(vNew), attrs.biasCorrection2Sqrt), attrs.eps);
    const pNew = tf.sub(param, tf.mul(tf.div(mNew, denom), attrs.stepSize));
    [pNew, mNew, vNew].forEach((expected, i) => {
      const error = relativeError(fused[i] as Float32Array, expected.dataSync());
      assert.ok(error <= TOLERANCE, `output ${i}: relative error ${error}`);
    });
  });
});

/** The same computation from tf ops: what models compose on any backend. */
function composedBatchNormTraining(x: tf.Tensor, scale: tf.Tensor1D, offset: tf.Tensor1D, epsilon: number) {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  const y = tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon))), scale), offset);
  return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}

describe("the fusedBatchNormTraining op", () => {
  const shapes = [
    [2, 9, 7, 5],
    [1, 16, 16, 64],
    [3, 1, 1, 8],
  ];
  for (const shape of shapes) {
    test(`on onednn matches the composed formula on cpu: ${shape}, value and gradients (also through mean and variance)`, async () => {
      const channels = shape[3] as number;
      const compute = (fused: boolean) => () => {
        const inputs = [randomTensor(shape, 1), randomTensor([channels], 2), randomTensor([channels], 3)];
        const weights = [randomTensor(shape, 4), randomTensor([channels], 5), randomTensor([channels], 6)];
        const f = (x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor) => {
          const args = [x, scale as tf.Tensor1D, offset as tf.Tensor1D, 1e-5] as const;
          const out = fused ? fusedBatchNormTraining(...args) : composedBatchNormTraining(...args);
          if (out === undefined) throw new Error("no FusedBatchNormTraining kernel");
          const [wy, wm, wv] = weights as [tf.Tensor, tf.Tensor, tf.Tensor];
          return tf.addN([
            tf.sum(tf.mul(out.y, wy)),
            tf.sum(tf.mul(out.mean, wm)),
            tf.sum(tf.mul(out.variance, wv)),
          ]);
        };
        const out = fused
          ? fusedBatchNormTraining(
              inputs[0] as tf.Tensor,
              inputs[1] as tf.Tensor1D,
              inputs[2] as tf.Tensor1D,
              1e-5,
            )
          : undefined;
        const grads = tf.grads(f)(inputs);
        return [...(out ? [out.y, out.mean, out.variance] : []), ...grads];
      };
      await tf.setBackend(BACKEND_NAME);
      setPoisonOutputs(true);
      const fused = tf.tidy(() => compute(true)().map((t) => t.dataSync().slice()));
      setPoisonOutputs(false);
      await tf.setBackend("cpu");
      const reference = tf.tidy(() => {
        const [x, scale, offset] = [
          randomTensor(shape, 1),
          randomTensor([channels], 2),
          randomTensor([channels], 3),
        ];
        const out = composedBatchNormTraining(x, scale as tf.Tensor1D, offset as tf.Tensor1D, 1e-5);
        return [out.y, out.mean, out.variance, ...compute(false)()].map((t) => t.dataSync().slice());
      });
      reference.forEach((expected, i) => {
        const error = relativeError(fused[i] as Float32Array, expected);
        assert.ok(error <= TOLERANCE, `output ${i}: relative error ${error}`);
      });
    });
  }

  test("is undefined on the cpu backend", async () => {
    await tf.setBackend("cpu");
    assert.equal(fusedBatchNormTraining(tf.ones([1, 2, 2, 3]), tf.ones([3]), tf.zeros([3]), 1e-5), undefined);
  });
});
