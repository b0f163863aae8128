import assert from "node:assert/strict";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import type { OnednnBackend } from "../src/backend.ts";
import { BACKEND_NAME } from "../src/index.ts";
import { randomTensor } from "./compare.ts";

const SHAPE = [64, 64, 4];

async function onednn(): Promise<OnednnBackend> {
  await tf.setBackend(BACKEND_NAME);
  return tf.backend() as OnednnBackend;
}

function valuesOf(backend: OnednnBackend, t: tf.Tensor): Float32Array {
  return backend.data.get(t.dataId).values as Float32Array;
}

test("a disposed output's buffer serves the next output of its size, with the new values", async () => {
  const backend = await onednn();
  const x = randomTensor(SHAPE, 1);
  const first = tf.relu(x);
  const buffer = valuesOf(backend, first).buffer;
  first.dispose();
  const second = tf.neg(x);
  assert.equal(valuesOf(backend, second).buffer, buffer);
  const expected = await tf.neg(tf.clone(x)).data();
  assert.deepEqual(valuesOf(backend, second), expected);
  tf.dispose([x, second]);
});

test("values a caller read out stay intact after their tensor's disposal", async () => {
  await onednn();
  const x = randomTensor(SHAPE, 2);
  const relu = tf.relu(x);
  const read = relu.dataSync();
  const copy = Float32Array.from(read);
  relu.dispose();
  const others = [tf.neg(x), tf.abs(x), tf.exp(x)];
  assert.deepEqual(read, copy);
  tf.dispose([x, ...others]);
});

test("a buffer another tensor views is never reused", async () => {
  const backend = await onednn();
  const x = randomTensor(SHAPE, 3);
  const relu = tf.relu(x);
  const values = valuesOf(backend, relu);
  // What a cpu kernel does for a contiguous slice: a second tensor over the same memory.
  const view = tf
    .engine()
    .makeTensorFromTensorInfo(
      backend.makeTensorInfo([values.length / 2], "float32", values.subarray(0, values.length / 2)),
    );
  const expected = Float32Array.from(values.subarray(0, values.length / 2));
  relu.dispose();
  const others = [tf.neg(x), tf.abs(x), tf.exp(x)];
  assert.deepEqual(view.dataSync(), expected);
  tf.dispose([x, view, ...others]);
});

test("a tensor made from the caller's array never hands that array to a kernel", async () => {
  const backend = await onednn();
  const mine = new Float32Array(64 * 64 * 4).fill(7);
  const t = tf.tensor(mine, SHAPE);
  t.dispose();
  const x = randomTensor(SHAPE, 4);
  const out = tf.relu(x);
  assert.notEqual(valuesOf(backend, out).buffer, mine.buffer);
  assert.ok(mine.every((v) => v === 7));
  tf.dispose([x, out]);
});

test("a tensor made from a large array holds a copy in a buffer of the backend's, reused after disposal", async () => {
  const backend = await onednn();
  const mine = new Float32Array(64 * 64 * 4).fill(7);
  const t = tf.tensor(mine, SHAPE);
  const copy = valuesOf(backend, t);
  assert.notEqual(copy.buffer, mine.buffer);
  mine.fill(1); // the caller's later writes do not reach the tensor
  assert.ok(t.dataSync().every((v) => v === 7));
  const x = randomTensor(SHAPE, 5);
  const u = tf.tensor(new Float32Array(64 * 64 * 4).fill(3), SHAPE);
  const buffer = valuesOf(backend, u).buffer;
  u.dispose();
  const out = tf.relu(x);
  assert.equal(valuesOf(backend, out).buffer, buffer);
  tf.dispose([t, x, out]);
});
