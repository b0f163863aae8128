import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { runCli } from "../../../test/cli-helpers.ts";
import { PARITY_FIXTURES } from "../../../test/parity.ts";
import { useBackend } from "../../backend.ts";
import { readImage, writeImage } from "../../io/images.ts";
import { loadNetwork, saveNetwork } from "../../io/network-file.ts";
import { createGenerator } from "../../models/index.ts";
import { Rng } from "../../random.ts";

const dir = mkdtempSync(path.join(tmpdir(), "pix2pix-translate-"));
const input = path.join(dir, "in.png");
const reference = path.join(PARITY_FIXTURES, "unet_128_ngf2.pth");

describe("pix2pix translate", () => {
  before(async () => {
    const pixels = new Float32Array(100 * 60 * 3).map((_, i) => Math.sin(i / 7));
    await writeImage(input, { data: pixels, height: 60, width: 100, channels: 3 });
    await useBackend("cpu");
  });

  test("a generator saved as safetensors translates an image as the library does (eval mode)", async () => {
    const g = createGenerator(
      {
        netG: "unet_128",
        ngf: 2,
        norm: "batch",
        dropout: true,
        initType: "normal",
        initGain: 0.02,
        inputNc: 3,
        outputNc: 3,
      },
      Rng.fromSeed(0),
    );
    await loadNetwork(reference, g);
    const weights = path.join(dir, "g.safetensors");
    await saveNetwork(weights, g);
    const output = path.join(dir, "out.png");
    const args = ["--model", weights, "--netG", "unet_128", "--ngf", "2", "--load-size", "150", "--eval"];
    const { status, stdout, stderr } = runCli([
      "translate",
      ...args,
      "--backend",
      "cpu",
      "-o",
      output,
      input,
    ]);
    assert.equal(status, 0, stderr);
    assert.match(stdout, /ran at 128×128/);
    const written = await readImage(output, 3);
    assert.equal(written.height, 128);
    assert.equal(written.width, 128);
    const x = await readImage(input, 3, { height: 128, width: 128 });
    const y = g.apply(tf.tensor4d(x.data, [1, 128, 128, 3]), "eval", Rng.fromSeed(0));
    const expected = y.dataSync();
    const worst = written.data.reduce((m, v, i) => Math.max(m, Math.abs(v - (expected[i] as number))), 0);
    assert.ok(worst <= 1 / 127.5 + 1e-6, `largest difference ${worst}`);
    y.dispose();
    g.dispose();

    // No architecture flags: the weights say unet_128, ngf 2, batch norm; the same pixels.
    const bare = path.join(dir, "out-bare.png");
    const inferred = runCli([
      "translate",
      "--model",
      weights,
      "--load-size",
      "128",
      "--eval",
      "-o",
      bare,
      input,
    ]);
    assert.equal(inferred.status, 0, inferred.stderr);
    assert.match(inferred.stdout, /unet_128 ngf 2 batch norm/);
    assert.deepEqual((await readImage(bare, 3)).data, written.data);

    // --original-size: the same translation, scaled back to the input's 100×60.
    const resized = path.join(dir, "out-original.png");
    const again = runCli(["translate", ...args, "--original-size", "--backend", "cpu", "-o", resized, input]);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /100×60/);
    const scaled = await readImage(resized, 3);
    assert.deepEqual([scaled.width, scaled.height], [100, 60]);
    const expectedScaled = await readImage(output, 3, { width: 100, height: 60 });
    const off = scaled.data.reduce(
      (m, v, i) => Math.max(m, Math.abs(v - (expectedScaled.data[i] as number))),
      0,
    );
    assert.ok(off <= 2 / 127.5 + 1e-6, `largest difference from the scaled network-size output: ${off}`);
  });

  test("a missing model, a flag that contradicts the weights, or weights of no generator are user errors", () => {
    const missing = runCli([
      "translate",
      "--model",
      path.join(dir, "none.safetensors"),
      "-o",
      "o.png",
      input,
    ]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /model not found/);
    const wrong = runCli([
      "translate",
      "--model",
      reference,
      "--ngf",
      "64",
      "-o",
      path.join(dir, "o.png"),
      input,
    ]);
    assert.equal(wrong.status, 2);
    assert.match(
      wrong.stderr,
      /--ngf 64 contradicts the weights in .*unet_128_ngf2\.pth, which hold --ngf 2/,
    );
    const discriminator = runCli([
      "translate",
      "--model",
      path.join(PARITY_FIXTURES, "basic.pth"),
      "-o",
      path.join(dir, "o.png"),
      input,
    ]);
    assert.equal(discriminator.status, 2);
    assert.match(discriminator.stderr, /is not a pix2pix generator/);
  });
});
