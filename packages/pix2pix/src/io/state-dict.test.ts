/** safetensors files and state dicts: exact round trips, atomic writes, and mismatches reported by key. */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backend.ts";
import { UserError } from "../errors.ts";
import { createDiscriminator, createGenerator } from "../models/index.ts";
import { Rng } from "../random.ts";
import { loadNetwork, saveNetwork } from "./network-file.ts";
import { type HostTensor, readSafetensors, writeSafetensors } from "./safetensors.ts";
import { dropInstanceNormStats, loadNetworkStateDict, networkStateDict } from "./state-dict.ts";

const dir = mkdtempSync(path.join(tmpdir(), "pix2pix-state-"));
const init = { initType: "normal", initGain: 0.02 } as const;
const makeG = (seed: number) =>
  createGenerator(
    { netG: "resnet_6blocks", ngf: 2, norm: "batch", dropout: true, inputNc: 3, outputNc: 3, ...init },
    Rng.fromSeed(seed),
  );

describe("safetensors and state dicts", () => {
  before(async () => {
    await useBackend("cpu");
  });

  test("safetensors round trip is exact for float32 and int64, with metadata, and leaves no temp file", async () => {
    const tensors = new Map<string, HostTensor>([
      [
        "a",
        {
          dtype: "float32",
          shape: [2, 3],
          data: Float32Array.of(1.5, -0, Number.MIN_VALUE, 3e38, -7, 1 / 3),
        },
      ],
      ["counter", { dtype: "int64", shape: [], data: BigInt64Array.of(2n ** 40n + 3n) }],
      ["empty", { dtype: "float32", shape: [0], data: new Float32Array(0) }],
    ]);
    const file = path.join(dir, "t.safetensors");
    await writeSafetensors(file, tensors, { format: "pt", note: "ü" });
    const back = await readSafetensors(file);
    assert.deepEqual(back.metadata, { format: "pt", note: "ü" });
    assert.deepEqual([...back.tensors.keys()], ["a", "counter", "empty"]);
    for (const [k, t] of tensors) assert.deepEqual(back.tensors.get(k), t);
    assert.deepEqual(readdirSync(dir), ["t.safetensors"]);
  });

  test("saveNetwork / loadNetwork restore every parameter and buffer bit for bit", async () => {
    const g = makeG(1);
    tf.tidy(() => g.apply(tf.randomNormal([2, 8, 8, 3]), "train", Rng.fromSeed(0))); // moves running stats
    const file = path.join(dir, "g.safetensors");
    await saveNetwork(file, g);
    const h = makeG(2);
    await loadNetwork(file, h);
    for (const [key, v] of [...g.params, ...g.buffers]) {
      assert.deepEqual(h.params.get(key)?.dataSync() ?? h.buffers.get(key)?.dataSync(), v.dataSync(), key);
    }
    const stored = (await readSafetensors(file)).tensors;
    assert.deepEqual(stored.get("model.2.num_batches_tracked"), {
      dtype: "int64",
      shape: [],
      data: BigInt64Array.of(1n),
    });
    assert.deepEqual(stored.get("model.1.weight")?.shape, [2, 3, 7, 7], "conv weights in PyTorch OIHW");
    assert.deepEqual(
      stored.get("model.16.weight")?.shape,
      [8, 4, 3, 3],
      "transposed conv weights in PyTorch IOHW",
    );
    g.dispose();
    h.dispose();
  });

  test("a state dict that does not fit lists the missing, unexpected and mis-shaped keys", () => {
    const d = createDiscriminator(
      { netD: "pixel", ndf: 2, nLayersD: 3, norm: "batch", inputNc: 6, ...init },
      Rng.fromSeed(1),
    );
    const dict = networkStateDict(d);
    dict.delete("net.0.bias");
    dict.delete("net.3.num_batches_tracked"); // tolerated: checkpoints older than PyTorch 0.4.1 lack it
    dict.set("net.9.weight", { dtype: "float32", shape: [1], data: Float32Array.of(0) });
    dict.set("net.2.weight", { dtype: "float32", shape: [4, 5, 1, 1], data: new Float32Array(20) });
    assert.throws(
      () => loadNetworkStateDict(d, dict, "x.pth"),
      (e: unknown) =>
        e instanceof UserError &&
        e.message.includes("x.pth does not fit") &&
        e.message.includes("missing keys (1): net.0.bias") &&
        e.message.includes("unexpected keys (1): net.9.weight") &&
        e.message.includes("net.2.weight is float32[4,5,1,1], expected float32[4,2,1,1]") &&
        !e.message.includes("num_batches_tracked"),
    );
    d.dispose();
  });

  test("instance-norm running stats of PyTorch < 0.4 checkpoints are dropped; real buffers are kept", () => {
    const r = createGenerator(
      { netG: "resnet_6blocks", ngf: 2, norm: "instance", dropout: false, inputNc: 3, outputNc: 3, ...init },
      Rng.fromSeed(1),
    );
    const dict = networkStateDict(r);
    const stale = { dtype: "float32", shape: [2], data: new Float32Array(2) } as const;
    dict.set("model.2.running_mean", stale);
    dict.set("model.2.running_var", stale);
    assert.deepEqual(dropInstanceNormStats(dict, r), ["model.2.running_mean", "model.2.running_var"]);
    loadNetworkStateDict(r, dict);
    const g = makeG(1);
    const withBuffers = networkStateDict(g);
    assert.deepEqual(dropInstanceNormStats(withBuffers, g), []);
    assert.ok(withBuffers.has("model.2.running_mean"));
    r.dispose();
    g.dispose();
  });

  test("corrupt or missing safetensors files are user errors naming the file", async () => {
    const bad = path.join(dir, "bad.safetensors");
    writeFileSync(bad, Buffer.from([200, 0, 0, 0, 0, 0, 0, 0, 123]));
    await assert.rejects(
      readSafetensors(bad),
      (e: unknown) => e instanceof UserError && e.message.includes(bad),
    );
    await assert.rejects(readSafetensors(path.join(dir, "none.safetensors")), UserError);
  });
});
