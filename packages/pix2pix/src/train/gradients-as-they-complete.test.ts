import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backend.ts";
import { Rng } from "../random.ts";
import "./gradients.ts";
import { gradientsAsTheyComplete } from "./gradients-as-they-complete.ts";

function normal(shape: number[], rng: Rng): tf.Tensor {
  const values = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * 0.3);
  return tf.tensor(values, shape);
}

describe("gradientsAsTheyComplete", () => {
  for (const backend of ["cpu", "onednn"] as const) {
    test(`hands over tf.variableGrads's gradients, each once, a parameter read once as soon as it is final (${backend})`, async () => {
      await useBackend(backend);
      const rng = Rng.fromSeed(3);
      const x = normal([2, 12, 12, 4], rng);
      // w1 is read by two convolutions: its gradient is final only when backpropagation ends. w0's
      // convolution also reads the input, which has no gradient: it is final after that one operation.
      const params = new Map([
        ["w1", tf.variable(normal([3, 3, 4, 4], rng))],
        ["w0", tf.variable(normal([3, 3, 4, 4], rng))],
        ["w2", tf.variable(normal([3, 3, 4, 4], rng))],
        ["b", tf.variable(normal([4], rng))],
      ]);
      const loss = () =>
        tf.tidy(() => {
          const param = (key: string) => params.get(key) as tf.Variable;
          const [w1, w0, w2] = ["w1", "w0", "w2"].map((key) => param(key) as tf.Tensor4D) as [
            tf.Tensor4D,
            tf.Tensor4D,
            tf.Tensor4D,
          ];
          const b = param("b");
          const h = tf.relu(tf.conv2d(x as tf.Tensor4D, w1, 1, "same"));
          const y = tf.add(tf.conv2d(tf.conv2d(h, w1, 1, "same"), w2, 1, "same"), b);
          return tf.add(
            tf.mean(tf.square(y)),
            tf.mean(tf.conv2d(x as tf.Tensor4D, w0, 1, "same")),
          ) as tf.Scalar;
        });
      const expected = tf.variableGrads(loss, [...params.values()]);
      const handed: string[] = [];
      const value = gradientsAsTheyComplete(loss, params, (key, grad) => {
        handed.push(key);
        const p = params.get(key) as tf.Variable;
        assert.deepEqual(grad.dataSync(), expected.grads[p.name]?.dataSync(), `gradient of ${key}`);
      });
      assert.deepEqual(handed, ["w0", "b", "w2", "w1"]);
      assert.equal(value.dataSync()[0], expected.value.dataSync()[0]);
      tf.dispose([x, value, expected.value, ...Object.values(expected.grads), ...params.values()]);
    });
  }

  test("releases what backpropagation is done with while it goes: saved activations and gradients", async () => {
    await useBackend("onednn");
    const rng = Rng.fromSeed(4);
    const x = normal([1, 48, 48, 8], rng) as tf.Tensor4D;
    const weights = Array.from({ length: 6 }, () => tf.variable(normal([3, 3, 8, 8], rng)));
    const params = new Map(weights.map((w, i) => [`w${i}`, w]));
    const loss = () =>
      tf.tidy(
        () =>
          tf.mean(
            weights.reduce((h, w) => tf.relu(tf.conv2d(h, w as tf.Tensor4D, 1, "same")), x),
          ) as tf.Scalar,
      );
    const liveBytes: number[] = [];
    const handed = new Map<string, Float32Array>();
    const value = gradientsAsTheyComplete(loss, params, (key, grad) => {
      liveBytes.push(tf.memory().numBytes);
      handed.set(key, grad.dataSync() as Float32Array);
    });
    // The last layer's gradient comes first; at each next one, another layer's activations (its
    // convolution's output and its relu's, one input size each) and their gradients are gone.
    const activation = x.size * 4;
    assert.equal(liveBytes.length, 6);
    for (let i = 1; i < 6; i++) {
      assert.ok(
        (liveBytes[i] as number) < (liveBytes[i - 1] as number) - 2 * activation,
        `live bytes at each gradient: ${liveBytes.join(", ")}`,
      );
    }
    const expected = tf.variableGrads(loss, weights);
    for (const [key, w] of params) assert.deepEqual(handed.get(key), expected.grads[w.name]?.dataSync(), key);
    tf.dispose([x, value, expected.value, ...Object.values(expected.grads), ...weights]);
  });
});
