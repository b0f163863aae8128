/**
 * The fused ops on the onednn backend, which runs their kernels, against the cpu backend, which has
 * none of them and runs the ops' tf-ops formulas: values and gradients agree within 1e-4 of each
 * output's scale, and the kernel profile shows the kernels did run on onednn.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { BACKEND_NAME, type KernelProfile, startKernelProfile, stopKernelProfile } from "tfjs-backend-onednn";
import { assertClose } from "../../test/parity.ts";
import { Rng } from "../random.ts";
import "../train/gradients.ts";
import {
  FUSED_ADAM_UPDATE,
  FUSED_BATCH_NORM_TRAINING,
  FUSED_BATCH_NORM_TRAINING_GRAD,
  FUSED_KERNELS,
  fusedAdamUpdate,
  fusedAdamUpdateInPlace,
  fusedBatchNormTraining,
  LEAKY_RELU_GRAD,
  leakyRelu,
} from "./index.ts";

const TOLERANCE = 1e-4;

function randomTensor(shape: number[], seed: number): tf.Tensor {
  const rng = Rng.fromSeed(seed);
  const values = Float32Array.from({ length: tf.util.sizeFromShape(shape) }, () => rng.next() * 2 - 1);
  return tf.tensor(values, shape);
}

function readOut(compute: () => tf.Tensor[]): Float32Array[] {
  return tf.tidy(() => compute().map((t) => Float32Array.from(t.dataSync())));
}

/**
 * Asserts that `compute`'s outputs on onednn match those on cpu, and returns the onednn kernel
 * profile, which must show no call handed to a cpu kernel.
 */
async function assertMatchesCpu(label: string, compute: () => tf.Tensor[]): Promise<KernelProfile> {
  await tf.setBackend(BACKEND_NAME);
  startKernelProfile();
  const onednn = readOut(compute);
  const profile = stopKernelProfile();
  await tf.setBackend("cpu");
  const cpu = readOut(compute);
  assert.equal(onednn.length, cpu.length);
  cpu.forEach((expected, i) => {
    assertClose(onednn[i] as Float32Array, expected, TOLERANCE, `${label}, output ${i}`);
  });
  assert.deepEqual([...profile.fallbacks.keys()], [], `${label}: calls that fell back to the cpu kernel`);
  return profile;
}

function callsOf(profile: KernelProfile, kernelName: string): number {
  return profile.kernels.get(kernelName)?.calls ?? 0;
}

test("the onednn backend registers every kernel the ops run; the cpu backend none", () => {
  for (const kernelName of FUSED_KERNELS) {
    assert.ok(tf.getKernel(kernelName, BACKEND_NAME), `${kernelName} on onednn`);
    assert.equal(tf.getKernel(kernelName, "cpu"), undefined, `${kernelName} on cpu`);
  }
});

describe("on onednn, each op runs its kernels and matches its formula on cpu", () => {
  for (const alpha of [0.2, 0]) {
    test(`leakyRelu ${alpha}: value, gradient, and the second order WGAN-GP's penalty takes through D`, async () => {
      const shape = [2, 33, 17, 8];
      const profile = await assertMatchesCpu(`leakyRelu ${alpha}`, () => {
        const [x, w, c] = [11, 12, 13].map((seed) => randomTensor(shape, seed)) as [
          tf.Tensor,
          tf.Tensor,
          tf.Tensor,
        ];
        // ∂/∂x Σ leakyRelu(x)·w, and d/dw of <that, c>: the gradient kernel's own gradient.
        const inputGradient = (weights: tf.Tensor) =>
          tf.grad((input: tf.Tensor) => tf.sum(tf.mul(leakyRelu(input, alpha), weights)))(x);
        const secondOrder = tf.grad((weights: tf.Tensor) => tf.sum(tf.mul(inputGradient(weights), c)))(w);
        return [leakyRelu(x, alpha), inputGradient(w), secondOrder];
      });
      // Once for the input gradient; in the second order, once more and once for its own gradient.
      assert.equal(callsOf(profile, LEAKY_RELU_GRAD), 3);
    });
  }

  for (const shape of [
    [2, 9, 7, 5],
    [1, 16, 16, 64],
  ]) {
    test(`fusedBatchNormTraining ${shape}: y, mean, variance, and the gradients through all three`, async () => {
      const channels = shape[3] as number;
      const profile = await assertMatchesCpu(`fusedBatchNormTraining ${shape}`, () => {
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
        const weightedOutputs = (input: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => {
          const { y, mean, variance } = fusedBatchNormTraining(
            input,
            s as tf.Tensor1D,
            o as tf.Tensor1D,
            1e-5,
          );
          return tf.addN([
            tf.sum(tf.mul(y, dy)),
            tf.sum(tf.mul(mean, dMean)),
            tf.sum(tf.mul(variance, dVariance)),
          ]);
        };
        const { y, mean, variance } = fusedBatchNormTraining(
          x,
          scale as tf.Tensor1D,
          offset as tf.Tensor1D,
          1e-5,
        );
        return [y, mean, variance, ...tf.grads(weightedOutputs)([x, scale, offset])];
      });
      assert.equal(callsOf(profile, FUSED_BATCH_NORM_TRAINING), 2);
      assert.equal(callsOf(profile, FUSED_BATCH_NORM_TRAINING_GRAD), 1);
    });
  }

  const ADAM = {
    beta1: 0.5,
    beta2: 0.999,
    eps: 1e-8,
    stepSize: 2e-4 / (1 - 0.5 ** 3),
    biasCorrection2Sqrt: Math.sqrt(1 - 0.999 ** 3),
  };

  /**
   * A parameter, its gradient and both moments (the second positive), large enough for onednn's
   * buffer pool, whose buffers alone it writes over.
   */
  function adamInputs(seed: number): [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor] {
    const shape = [4, 4, 16, 32];
    const [param, grad, expAvg] = [0, 1, 2].map((i) => randomTensor(shape, seed + i)) as [
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
    ];
    return [param, grad, expAvg, tf.abs(randomTensor(shape, seed + 3))];
  }

  test("fusedAdamUpdate: the parameter and both moments", async () => {
    const profile = await assertMatchesCpu("fusedAdamUpdate", () => fusedAdamUpdate(...adamInputs(1), ADAM));
    assert.equal(callsOf(profile, FUSED_ADAM_UPDATE), 1);
  });

  /** A variable alone holding `t`'s values, in a buffer a kernel wrote (which onednn may write over). */
  function variableOf(t: tf.Tensor): tf.Variable {
    const copy = tf.mul(t, 1);
    const variable = tf.variable(copy);
    copy.dispose();
    return variable;
  }

  test("fusedAdamUpdateInPlace writes fusedAdamUpdate's values over the variables on onednn; on cpu, nothing", async () => {
    for (const [backend, inPlace] of [
      [BACKEND_NAME, true],
      ["cpu", false],
    ] as const) {
      await tf.setBackend(backend);
      const [param, grad, expAvg, expAvgSq] = adamInputs(21);
      const updated = readOut(() => fusedAdamUpdate(param, grad, expAvg, expAvgSq, ADAM));
      const initial = readOut(() => [param, expAvg, expAvgSq]);
      const [p, m, v] = [param, expAvg, expAvgSq].map(variableOf) as [tf.Variable, tf.Variable, tf.Variable];
      const dataIds = [p, m, v].map((t) => t.dataId);
      assert.equal(fusedAdamUpdateInPlace(p, grad, m, v, ADAM), inPlace, backend);
      assert.deepEqual(
        [p, m, v].map((t) => t.dataId),
        dataIds,
      );
      assert.deepEqual(
        readOut(() => [p, m, v]),
        inPlace ? updated : initial,
        backend,
      );
      tf.dispose([param, grad, expAvg, expAvgSq, p, m, v]);
    }
  });
});
