import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { BACKEND_NAME, startKernelProfile, stopKernelProfile } from "../src/index.ts";

// tfjs-core's bundle leaves gradients out; they register from its per-file tree (as in compare.ts).
createRequire(import.meta.url)("@tensorflow/tfjs-core/dist/register_all_gradients.js");

test("the kernel profile counts a call that falls back to the cpu kernel once, as a fallback", async () => {
  await tf.setBackend(BACKEND_NAME);
  const ints = tf.tensor([-3, 0, 2], [3], "int32");
  const floats = tf.tensor([-1.5, 0, 2.5], [3], "float32");
  startKernelProfile();
  // The native Abs covers float32 only: int32 goes to the cpu kernel.
  const intAbs = tf.abs(ints);
  const floatAbs = tf.abs(floats);
  const profile = stopKernelProfile();
  assert.deepEqual([...intAbs.dataSync()], [3, 0, 2]);
  assert.deepEqual([...floatAbs.dataSync()], [1.5, 0, 2.5]);
  assert.deepEqual([...profile.fallbacks.keys()], ["Abs"]);
  assert.equal(profile.fallbacks.get("Abs")?.calls, 1);
  assert.equal(profile.kernels.get("Abs")?.calls, 1, "the float32 call, native, and only it");
  for (const times of [profile.kernels, profile.fallbacks]) {
    assert.ok((times.get("Abs")?.millis ?? -1) >= 0);
  }
  tf.dispose([ints, floats, intAbs, floatAbs]);
});

test("a kernel the cpu backend alone has is counted under kernels, never as a fallback", async () => {
  await tf.setBackend(BACKEND_NAME);
  const x = tf.tensor([3, 1, 2], [3], "float32");
  startKernelProfile();
  const sorted = tf.topk(x, 3).values;
  const profile = stopKernelProfile();
  assert.deepEqual([...sorted.dataSync()], [3, 2, 1]);
  assert.equal(profile.kernels.get("TopK")?.calls, 1);
  assert.equal(profile.fallbacks.size, 0);
  tf.dispose([x, sorted]);
});

test("the kernel profile counts each convolution kernel's FLOPs under its name", async () => {
  await tf.setBackend(BACKEND_NAME);
  const x = tf.ones([2, 9, 8, 3]) as tf.Tensor4D;
  const filter = tf.ones([4, 4, 3, 5]) as tf.Tensor4D;
  startKernelProfile();
  const grads = tf.grads((a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, "valid"))([x, filter]);
  const profile = stopKernelProfile();
  // 'valid', stride 2: 3 rows, 3 columns; 2 FLOPs per multiply-add of 4·4·3 inputs into each of 2·3·3·5 outputs.
  const flops = 2 * (2 * 3 * 3 * 5) * (4 * 4 * 3);
  assert.deepEqual(Object.fromEntries(profile.convFlops), {
    Conv2D: flops,
    Conv2DBackpropInput: flops,
    Conv2DBackpropFilter: flops,
  });
  tf.dispose([x, filter, ...grads]);
});
