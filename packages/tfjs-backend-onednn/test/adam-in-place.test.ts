import assert from "node:assert/strict";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { BACKEND_NAME, fusedAdamUpdate, fusedAdamUpdateInPlace } from "../src/index.ts";
import { randomTensor } from "./compare.ts";

const SHAPE = [4, 4, 16, 32];
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

/** The out-of-place update's results, for comparison. */
function expected(p: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor): Float32Array[] {
  const outputs = fusedAdamUpdate(p, g, m, v, ATTRS) as tf.Tensor[];
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
  assert.equal(fusedAdamUpdateInPlace(p, g, m, v, ATTRS), true);
  assert.deepEqual(
    [p, m, v].map((t) => t.dataId),
    ids,
  );
  [p, m, v].forEach((t, i) => {
    assert.deepEqual(t.dataSync(), want[i]);
  });
  tf.dispose([p, m, v, g]);
});

test("Adam does not write in place over values another tensor or a caller can see", async () => {
  await tf.setBackend(BACKEND_NAME);
  const [p, m, v] = state(11);
  const g = randomTensor(SHAPE, 19);
  const clone = tf.clone(p); // shares p's data
  const before = Float32Array.from(clone.dataSync());
  assert.equal(fusedAdamUpdateInPlace(p, g, m, v, ATTRS), false);
  clone.dispose();
  const read = m.dataSync(); // a caller now holds m's values
  const readCopy = Float32Array.from(read);
  assert.equal(fusedAdamUpdateInPlace(p, g, m, v, ATTRS), false);
  assert.deepEqual(read, readCopy);
  assert.deepEqual(p.dataSync().length, before.length);
  // A tensor made from the caller's own array is never written either.
  const [q, mq, vq] = [randomTensor(SHAPE, 21), randomTensor(SHAPE, 22), tf.abs(randomTensor(SHAPE, 23))];
  assert.equal(fusedAdamUpdateInPlace(q, g, mq, vq, ATTRS), false);
  tf.dispose([p, m, v, g, q, mq, vq]);
});

test("a filter updated in place is not convolved with a stale copy in the primitive's layout", async () => {
  await tf.setBackend(BACKEND_NAME);
  const [p, m, v] = state(31);
  const g = randomTensor(SHAPE, 39);
  const x = randomTensor([1, 9, 9, 16], 40) as tf.Tensor4D;
  const convolve = (filter: tf.Tensor) => tf.conv2d(x, filter as tf.Tensor4D, 1, "same");
  tf.dispose([convolve(p), convolve(p)]); // the second use keeps a copy in the primitive's layout
  assert.equal(fusedAdamUpdateInPlace(p, g, m, v, ATTRS), true);
  const fresh = tf.tensor(Float32Array.from(p.dataSync()), SHAPE);
  assert.deepEqual(convolve(p).dataSync(), convolve(fresh).dataSync());
  tf.dispose([p, m, v, g, x, fresh]);
});
