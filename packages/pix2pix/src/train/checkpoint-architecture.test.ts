import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { readSafetensors } from "../io/safetensors.ts";
import { detectDiscriminator, detectGenerator } from "../models/detect.ts";
import { tinyRun } from "./tiny-run.ts";
import { train } from "./trainer.ts";

test("a checkpoint's networks read back as the architectures trained, keras D included", async () => {
  const root = mkdtempSync(path.join(tmpdir(), "pix2pix-architecture-"));
  const run = await train({ ...tinyRun(root), netD: "keras", nEpochsDecay: 0 }, { maxSteps: 1 });
  const d = await readSafetensors(path.join(run.dir, "latest_net_D.safetensors"));
  assert.deepEqual(detectDiscriminator(d.tensors, d.metadata), {
    netD: "keras",
    ndf: 4,
    nLayersD: 4,
    norm: "batch",
    channels: 6,
  });
  // without the metadata the same weights are n_layers 4: the file is what tells them apart
  assert.equal(detectDiscriminator(d.tensors).netD, "n_layers");
  const g = await readSafetensors(path.join(run.dir, "latest_net_G.safetensors"));
  assert.equal(detectGenerator(g.tensors, g.metadata).netG, "resnet_6blocks");
});
