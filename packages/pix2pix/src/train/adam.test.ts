import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backend.ts";
import { Adam } from "./adam.ts";

// torch.optim.Adam([p], lr=0.1, betas=(0.5, 0.999)) with p = [1, -2, 3] and these gradients, step by step
// (printed by PyTorch 1.13).
const GRADIENTS = [
  [0.1, 0.2, -0.3],
  [-0.5, 0.4, 0.0],
  [1e-3, -2.0, 0.7],
];
const PYTORCH_PARAMS = [
  [0.8999999761581421, -2.0999999046325684, 3.0999999046325684],
  [0.9831857681274414, -2.2053933143615723, 3.1471521854400635],
  [1.0266659259796143, -2.120917797088623, 3.065955400466919],
];

function closeTo(actual: ArrayLike<number>, expected: number[], tolerance = 1e-6): void {
  for (const [i, e] of expected.entries()) {
    assert.ok(Math.abs((actual[i] as number) - e) < tolerance, `${actual[i]} vs ${e}`);
  }
}

describe("Adam", () => {
  // onednn runs the fused one-pass kernel, cpu the op-by-op formula: both must be PyTorch's Adam.
  for (const backend of ["cpu", "onednn"] as const) {
    test(`matches PyTorch's Adam step by step (${backend} backend)`, async () => {
      await useBackend(backend);
      const p = tf.variable(tf.tensor1d([1, -2, 3]));
      const adam = new Adam(new Map([["w", p]]), { beta1: 0.5, beta2: 0.999, eps: 1e-8 });
      GRADIENTS.forEach((g, step) => {
        tf.tidy(() => adam.apply(new Map([["w", tf.tensor1d(g)]]), 0.1));
        closeTo(p.dataSync(), PYTORCH_PARAMS[step] as number[]);
      });
      adam.dispose();
      p.dispose();
    });

    test(`leaves no tensors behind, made or per step (${backend} backend)`, async () => {
      await useBackend(backend);
      const p = tf.variable(tf.ones([4, 4]));
      const made = tf.memory().numTensors;
      const adam = new Adam(new Map([["w", p]]), { beta1: 0.5, beta2: 0.999, eps: 1e-8 });
      assert.equal(tf.memory().numTensors, made + 2, "the two moments alone");
      adam.dispose();
      assert.equal(tf.memory().numTensors, made);
      const stepped = new Adam(new Map([["w", p]]), { beta1: 0.5, beta2: 0.999, eps: 1e-8 });
      const g = tf.ones([4, 4]);
      stepped.apply(new Map([["w", g]]), 0.01);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) stepped.apply(new Map([["w", g]]), 0.01);
      assert.equal(tf.memory().numTensors, before);
      for (const t of [stepped, p, g]) t.dispose();
    });
  }

  test("a step made parameter by parameter, in any order, is the step made at once; each parameter once", async () => {
    await useBackend("cpu");
    const options = { beta1: 0.5, beta2: 0.999, eps: 1e-8 };
    const make = () =>
      new Map([
        ["a", tf.variable(tf.tensor1d([1, -2, 3]))],
        ["b", tf.variable(tf.tensor1d([0.5, 4]))],
      ]);
    const [whole, byParts] = [make(), make()];
    const [adamWhole, adamParts] = [new Adam(whole, options), new Adam(byParts, options)];
    const grads = new Map([
      ["a", tf.tensor1d([0.1, 0.2, -0.3])],
      ["b", tf.tensor1d([-1, 2])],
    ]);
    for (let i = 0; i < 2; i++) {
      adamWhole.apply(grads, 0.1);
      const step = adamParts.begin(0.1);
      step.update("b", grads.get("b") as tf.Tensor);
      assert.throws(() => step.finish(), /no gradient for parameter a/);
      step.update("a", grads.get("a") as tf.Tensor);
      assert.throws(() => step.update("a", grads.get("a") as tf.Tensor), /a is unknown or updated twice/);
      step.finish();
    }
    for (const key of ["a", "b"]) assert.deepEqual(byParts.get(key)?.dataSync(), whole.get(key)?.dataSync());
    assert.equal(adamParts.steps, 2);
    for (const t of [adamWhole, adamParts, ...whole.values(), ...byParts.values(), ...grads.values()])
      t.dispose();
  });

  test("a restored state continues exactly as the original would have", async () => {
    await useBackend("cpu");
    const options = { beta1: 0.5, beta2: 0.999, eps: 1e-8 };
    const original = tf.variable(tf.tensor1d([1, -2, 3]));
    const adam = new Adam(new Map([["w", original]]), options);
    const step = (opt: Adam, g: number[]) => tf.tidy(() => opt.apply(new Map([["w", tf.tensor1d(g)]]), 0.1));
    step(adam, GRADIENTS[0] as number[]);
    const saved = adam.state();
    assert.equal(saved.step, 1);

    const copy = tf.variable(tf.tensor1d(original.dataSync()));
    const restored = new Adam(new Map([["w", copy]]), options);
    restored.load(saved);
    for (const g of GRADIENTS.slice(1)) {
      step(adam, g);
      step(restored, g);
    }
    assert.deepEqual(copy.dataSync(), original.dataSync());
    assert.throws(() => restored.load({ ...saved, expAvg: new Map() }), /exp_avg of w is missing/);
    for (const t of [adam, restored, original, copy]) t.dispose();
  });
});
