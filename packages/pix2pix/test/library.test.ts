/** The public API, imported by package name as a user would: build, run, save and reload a generator. */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { createGenerator, generatorConfig, modelOptions, Rng, resolveOptions } from "pix2pix-ts";
import { loadNetwork, saveNetwork, useBackend } from "pix2pix-ts/node";

test("a generator built through the public API runs, saves and reloads to the same outputs", async () => {
  await useBackend("cpu");
  const options = resolveOptions(modelOptions, { netG: "resnet_6blocks", ngf: 4, norm: "instance" });
  const config = generatorConfig(options, 3, 3);
  const g = createGenerator(config, Rng.fromSeed(1));
  const input = tf.randomUniform([1, 32, 32, 3], -1, 1, "float32", 7) as tf.Tensor4D;
  const output = g.apply(input, "eval", Rng.fromSeed(2));
  assert.deepEqual(output.shape, [1, 32, 32, 3]);
  const values = await output.data();
  assert.ok(
    values.every((v) => v > -1 && v < 1),
    "tanh output range",
  );

  const file = path.join(mkdtempSync(path.join(tmpdir(), "pix2pix-lib-")), "g.safetensors");
  await saveNetwork(file, g);
  const reloaded = createGenerator(config, null);
  await loadNetwork(file, reloaded);
  const again = await reloaded.apply(input, "eval", Rng.fromSeed(2)).data();
  assert.deepEqual(again, values);
});
