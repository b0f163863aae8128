import assert from "node:assert/strict";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import {
  BACKEND_NAME,
  FUSED_ADAM_UPDATE,
  type FusedAdamUpdateAttrs,
  type OnednnBackend,
} from "../src/index.ts";
import { randomTensor, randomValues, relativeError, TOLERANCE } from "./compare.ts";

// 76800 elements: the update runs in parallel pieces, the last one partial.
const SHAPE = [4, 4, 16, 300];
const ATTRS = { beta1: 0.5, beta2: 0.999, eps: 1e-8, stepSize: 2e-4, biasCorrection2Sqrt: 0.0447 };

/** Param and moments as the optimizer holds them: variables alone holding buffers the backend wrote. */
function state(seed: number): [tf.Variable, tf.Variable, tf.Variable] {
  return [seed, seed + 1, seed + 2].map((s, i) => {
    const initial = tf.tidy(() =>
      i === 2 ? tf.abs(randomTensor(SHAPE, s)) : tf.neg(randomTensor(SHAPE, s)),
    );
    const variable = tf.variable(initial);
    initial.dispose();
    return variable;
  }) as [tf.Variable, tf.Variable, tf.Variable];
}

function fusedAdamUpdate(
  p: tf.Tensor,
  g: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  attrs: FusedAdamUpdateAttrs,
) {
  const inputs = { param: p, grad: g, expAvg: m, expAvgSq: v };
  return tf.engine().runKernel(FUSED_ADAM_UPDATE, inputs, attrs) as tf.Tensor[];
}

function adamUpdateInPlace(p: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor): boolean {
  return (tf.engine().backend as OnednnBackend).adamUpdateInPlace(p, g, m, v, ATTRS);
}

test("the FusedAdamUpdate kernel equals PyTorch's Adam formula computed with tf ops on cpu", async () => {
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
  const fused = fusedAdamUpdate(param, grad, m, vPositive, attrs).map((t) => t.dataSync().slice());
  await tf.setBackend("cpu");
  const mNew = tf.add(tf.mul(m, attrs.beta1), tf.mul(grad, 1 - attrs.beta1));
  const vNew = tf.add(tf.mul(vPositive, attrs.beta2), tf.mul(tf.square(grad), 1 - attrs.beta2));
  const denom = tf.add(tf.div(tf.sqrt(vNew), attrs.biasCorrection2Sqrt), attrs.eps);
  const pNew = tf.sub(param, tf.mul(tf.div(mNew, denom), attrs.stepSize));
  [pNew, mNew, vNew].forEach((expected, i) => {
    const error = relativeError(fused[i] as Float32Array, expected.dataSync());
    assert.ok(error <= TOLERANCE, `output ${i}: relative error ${error}`);
  });
});

/** The out-of-place update's results, for comparison. */
function expected(p: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor): Float32Array[] {
  const outputs = fusedAdamUpdate(p, g, m, v, ATTRS);
  const values = outputs.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(outputs);
  return values;
}

test("Adam in place writes the same values as the out-of-place kernel, over the variables", async () => {
  await tf.setBackend(BACKEND_NAME);
  const [p, m, v] = state(1);
  const g = randomTensor(SHAPE, 9);
  const want = expected(p, g, m, v);
  const ids = [p, m, v].map((t) => t.dataId);
  assert.equal(adamUpdateInPlace(p, g, m, v), true);
  assert.deepEqual(
    [p, m, v].map((t) => t.dataId),
    ids,
  );
  [p, m, v].forEach((t, i) => {
    assert.deepEqual(t.dataSync(), want[i]);
  });
  tf.dispose([p, m, v, g]);
});

test("Adam updates values a caller can see into new buffers, and leaves values another tensor holds", async () => {
  await tf.setBackend(BACKEND_NAME);
  const backend = tf.engine().backend as OnednnBackend;
  const [p, m, v] = state(11);
  const g = randomTensor(SHAPE, 19);
  const clone = tf.clone(p); // shares p's data
  const before = Float32Array.from(clone.dataSync());
  assert.equal(adamUpdateInPlace(p, g, m, v), false);
  assert.deepEqual(p.dataSync(), before);
  clone.dispose();
  // A caller now holds m's values, and q, mq, vq are made from the caller's own arrays: each gets the
  // update in a new buffer, under the same tensor, and the caller's arrays keep their values.
  const read = m.dataSync();
  const readCopy = Float32Array.from(read);
  const want = expected(p, g, m, v);
  assert.equal(adamUpdateInPlace(p, g, m, v), true);
  assert.deepEqual(read, readCopy);
  [p, m, v].forEach((t, i) => {
    assert.deepEqual(t.dataSync(), want[i]);
  });
  const arrays = [21, 22, 23].map((seed) => randomValues(tf.util.sizeFromShape(SHAPE), seed).map(Math.abs));
  const [q, mq, vq] = arrays.map((a) => tf.tensor(a, SHAPE));
  const copies = arrays.map((a) => Float32Array.from(a));
  const wantQ = expected(q as tf.Tensor, g, mq as tf.Tensor, vq as tf.Tensor);
  const ids = [q, mq, vq].map((t) => t?.dataId);
  assert.equal(adamUpdateInPlace(q as tf.Tensor, g, mq as tf.Tensor, vq as tf.Tensor), true);
  assert.deepEqual(arrays, copies);
  [q, mq, vq].forEach((t, i) => {
    assert.equal(t?.dataId, ids[i]);
    assert.deepEqual(t?.dataSync(), wantQ[i]);
  });
  // Moments from zerosLike are this backend's buffers: updated over themselves from the first step.
  const [mz, vz] = [tf.zerosLike(g), tf.zerosLike(g)];
  const zeros = [mz, vz].map((t) => backend.floats(t));
  const pz = tf.tidy(() => tf.neg(g));
  assert.equal(adamUpdateInPlace(pz, g, mz, vz), true);
  [mz, vz].forEach((t, i) => {
    assert.equal(backend.floats(t), zeros[i], "the same array");
  });
  tf.dispose([p, m, v, g, q, mq, vq, mz, vz, pz] as tf.Tensor[]);
});

test("a filter updated in place is not convolved with a stale copy in the primitive's layout", async () => {
  await tf.setBackend(BACKEND_NAME);
  const [p, m, v] = state(31);
  const g = randomTensor(SHAPE, 39);
  const x = randomTensor([1, 9, 9, 16], 40) as tf.Tensor4D;
  const convolve = (filter: tf.Tensor) => tf.conv2d(x, filter as tf.Tensor4D, 1, "same");
  tf.dispose([convolve(p), convolve(p)]); // the second use keeps a copy in the primitive's layout
  assert.equal(adamUpdateInPlace(p, g, m, v), true);
  const fresh = tf.tensor(Float32Array.from(p.dataSync()), SHAPE);
  assert.deepEqual(convolve(p).dataSync(), convolve(fresh).dataSync());
  tf.dispose([p, m, v, g, x, fresh]);
});
