import assert from "node:assert/strict";
import { test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import * as tf from "@tensorflow/tfjs-core";
import { BACKEND_NAME, FUSED_ADAM_UPDATE, nativeInfo } from "../src/index.ts";
import { randomTensor } from "./compare.ts";

setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

/** A tiny U-Net-like step: conv down, batch norm, LeakyReLU, transposed conv up, skip concat, tanh, L1, Adam. */
function tinyTrainer() {
  const params = {
    down: tf.variable(randomTensor([4, 4, 3, 16], 1)),
    gamma: tf.variable(tf.ones([16])),
    beta: tf.variable(tf.zeros([16])),
    up: tf.variable(randomTensor([4, 4, 8, 16], 2)),
    out: tf.variable(randomTensor([3, 3, 11, 3], 3)),
  };
  const moments = Object.fromEntries(
    Object.entries(params).map(([k, p]) => [k, [tf.variable(tf.zerosLike(p)), tf.variable(tf.zerosLike(p))]]),
  );
  const x = randomTensor([2, 32, 32, 3], 4) as tf.Tensor4D;
  const target = randomTensor([2, 32, 32, 3], 5);
  const forward = () => {
    const h = tf.conv2d(x, params.down as tf.Tensor4D, 2, 1);
    const { mean, variance } = tf.moments(h, [0, 1, 2]);
    const n = tf.leakyRelu(
      tf.add(tf.mul(tf.mul(tf.sub(h, mean), tf.rsqrt(tf.add(variance, 1e-5))), params.gamma), params.beta),
      0.2,
    );
    const full = tf.conv2dTranspose(n as tf.Tensor4D, params.up as tf.Tensor4D, [2, 34, 34, 8], 2, "valid");
    const u = tf.relu(tf.slice(full, [0, 1, 1, 0], [2, 32, 32, 8]));
    const skip = tf.concat([u, x], 3) as tf.Tensor4D;
    const y = tf.tanh(tf.conv2d(skip, params.out as tf.Tensor4D, 1, 1));
    return tf.mean(tf.abs(tf.sub(y, target))) as tf.Scalar;
  };
  let step = 0;
  return () => {
    step += 1;
    tf.tidy(() => {
      const { grads } = tf.variableGrads(forward);
      const attrs = {
        beta1: 0.5,
        beta2: 0.999,
        eps: 1e-8,
        stepSize: 2e-4 / (1 - 0.5 ** step),
        biasCorrection2Sqrt: Math.sqrt(1 - 0.999 ** step),
      };
      for (const [key, p] of Object.entries(params)) {
        const [m, v] = moments[key] as [tf.Variable, tf.Variable];
        const inputs = { param: p, grad: grads[p.name] as tf.Tensor, expAvg: m, expAvgSq: v };
        const [pNew, mNew, vNew] = tf.engine().runKernel(FUSED_ADAM_UPDATE, inputs, attrs) as tf.Tensor[];
        p.assign(pNew as tf.Tensor);
        m.assign(mNew as tf.Tensor);
        v.assign(vNew as tf.Tensor);
      }
    });
  };
}

test("1,000 training steps leak neither tfjs tensors nor native memory", async () => {
  await tf.setBackend(BACKEND_NAME);
  const step = tinyTrainer();
  const measure = () => {
    collectGarbage();
    return {
      tensors: tf.memory().numTensors,
      rss: process.memoryUsage().rss,
      primitives: nativeInfo().convPrimitives,
    };
  };
  for (let i = 0; i < 200; i++) step();
  const warm = measure();
  for (let i = 0; i < 800; i++) step();
  const end = measure();
  assert.equal(end.tensors, warm.tensors, "tensor count");
  assert.equal(end.primitives, warm.primitives, "cached convolution primitives");
  // A leak of one activation per step (2x32x32x8 floats) would add 50 MB here.
  assert.ok(end.rss <= warm.rss * 1.05, `RSS grew from ${warm.rss >> 20} MiB to ${end.rss >> 20} MiB`);
});
