/**
 * Runs the same computation on the onednn backend (outputs poisoned with NaN, so an unwritten element
 * fails) and on tfjs's cpu backend, and compares: the error of each output is max|onednn − cpu| /
 * max|cpu| (relative to the output's scale, since reordered float sums differ by rounding near zero).
 */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import * as tf from "@tensorflow/tfjs-core";
import { BACKEND_NAME, setPoisonOutputs, startKernelProfile, stopKernelProfile } from "../src/index.ts";

// tfjs-core's bundle leaves gradients out; they register from its per-file tree (see pix2pix's train/gradients.ts).
createRequire(import.meta.url)("@tensorflow/tfjs-core/dist/register_all_gradients.js");

export const TOLERANCE = 1e-4;

/** Deterministic values in [-1, 1) (a small LCG: tests must not depend on Math.random). */
export function randomValues(size: number, seed: number): Float32Array {
  const values = new Float32Array(size);
  let state = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = (state / 2 ** 32) * 2 - 1;
  }
  return values;
}

export function randomTensor(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(randomValues(tf.util.sizeFromShape(shape), seed), shape, "float32");
}

export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let maxDiff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs((actual[i] as number) - (expected[i] as number));
    // NaN (an unwritten, poisoned element) must fail: Math.max would keep it, `>` would not.
    maxDiff = Number.isNaN(diff) ? Number.NaN : Math.max(maxDiff, diff);
    scale = Math.max(scale, Math.abs(expected[i] as number));
  }
  return maxDiff / Math.max(scale, 1e-30);
}

interface Outputs {
  readonly shapes: number[][];
  readonly values: Array<Float32Array | Int32Array | Uint8Array>;
}

async function runOn(backend: string, compute: () => tf.Tensor[]): Promise<Outputs> {
  assert.ok(await tf.setBackend(backend), `backend ${backend} did not start`);
  if (backend === BACKEND_NAME) setPoisonOutputs(true);
  try {
    return tf.tidy(() => {
      const outputs = compute();
      return {
        shapes: outputs.map((t) => [...t.shape]),
        values: outputs.map((t) => (t.dataSync() as Float32Array | Int32Array | Uint8Array).slice()),
      };
    });
  } finally {
    if (backend === BACKEND_NAME) setPoisonOutputs(false);
  }
}

/** Asserts that every output of `compute` matches the cpu backend's, shape and values. */
export async function assertMatchesCpu(label: string, compute: () => tf.Tensor[], tolerance = TOLERANCE) {
  const native = await runOn(BACKEND_NAME, compute);
  const reference = await runOn("cpu", compute);
  assert.deepEqual(native.shapes, reference.shapes, `${label}: shapes`);
  reference.values.forEach((expected, i) => {
    const error = relativeError(native.values[i] as ArrayLike<number>, expected);
    assert.ok(
      error <= tolerance,
      `${label}: output ${i} has relative error ${error} (shape ${reference.shapes[i]})`,
    );
  });
}

/** f's value and its gradients with respect to every input, for a random upstream gradient. */
export function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[], seed = 99): tf.Tensor[] {
  const y = f(...xs);
  const dy = randomTensor([...y.shape], seed);
  const grads = tf.grads((...args: tf.Tensor[]) => f(...args))(xs, dy);
  return [y, ...grads];
}

/**
 * Runs `compute` on the onednn backend with the kernel profile on and asserts that no native kernel
 * handed its call to the cpu kernel (the profile's fallbacks).
 */
export async function assertRunsNatively(label: string, compute: () => tf.Tensor[]) {
  await tf.setBackend(BACKEND_NAME);
  startKernelProfile();
  tf.tidy(() => {
    for (const t of compute()) t.dataSync();
  });
  const fallbacks = [...stopKernelProfile().fallbacks.keys()];
  assert.deepEqual(fallbacks, [], `${label}: kernels that fell back to the cpu backend`);
}
