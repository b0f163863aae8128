/**
 * The browser's training entry in Node: on the same pixels, seed and backend (cpu) it gives exactly the
 * losses `pix2pix train` gives on those pixels as files, across a stop and a resume from its saved
 * state, and the generator file it makes from that state is byte for byte the trainer's checkpoint.
 * Fine-tuning starts from the given generator: its architecture, and (at learning rate 0) its weights.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, test } from "node:test";
import { useBackend } from "../backend.ts";
import { decodeSafetensors } from "../io/safetensors-codec.ts";
import { readAlignedPairs, writeAlignedPairs } from "./aligned-pairs.ts";
import type { ImagePair } from "./pair-dataset.ts";
import { type PairTrainingOptions, trainOnPairs } from "./pair-trainer.ts";
import type { StepLosses } from "./step.ts";
import { tinyRun } from "./tiny-run.ts";
import { generatorFileFromTrainState } from "./train-state.ts";
import { train } from "./trainer.ts";

const STEPS = 4; // 3 pairs: the run crosses into a second epoch, at a decayed learning rate
const root = mkdtempSync(path.join(tmpdir(), "pix2pix-pairs-"));
const options = {
  netG: "resnet_6blocks",
  ngf: 4,
  ndf: 4,
  loadSize: 28,
  cropSize: 24,
  nEpochs: 1,
  nEpochsDecay: 2,
  seed: 3,
} as const satisfies PairTrainingOptions;
let pairs: ImagePair[];
const trainer: StepLosses[] = [];

before(async () => {
  const files = await writeAlignedPairs(path.join(root, "data", "train"), 3, 30);
  pairs = await readAlignedPairs(files);
  await useBackend("cpu");
  await train(
    { ...tinyRun(root, "files"), ...options, datasetMode: "aligned", dataroot: path.join(root, "data") },
    { maxSteps: STEPS, onStep: (p) => trainer.push(p.losses) },
  );
});

test("trainOnPairs, stopped halfway and resumed from its saved state, gives pix2pix train's losses exactly", async () => {
  const losses: StepLosses[] = [];
  const onStep = (p: { losses: StepLosses }) => losses.push(p.losses);
  let saved: Uint8Array | undefined;
  const onSave = (state: Uint8Array) => {
    saved = state;
  };
  const first = await trainOnPairs({ pairs, options }, { stopAtIteration: STEPS / 2, onStep, onSave });
  assert.deepEqual([first.outcome, first.iteration], ["stopped", STEPS / 2]);
  assert.ok(saved, "a stop saves the state");
  const second = await trainOnPairs({ pairs, resume: saved }, { stopAtIteration: STEPS, onStep, onSave });
  assert.equal(second.iteration, STEPS);
  assert.equal(trainer.length, STEPS);
  assert.deepEqual(losses, trainer);

  const generator = generatorFileFromTrainState(saved as Uint8Array);
  const checkpoint = readFileSync(path.join(root, "files", "latest_net_G.safetensors"));
  assert.ok(checkpoint.equals(generator), "the generator file equals the trainer's latest_net_G.safetensors");
});

test("fine-tuning takes the given generator's architecture and weights", async () => {
  const original = readFileSync(path.join(root, "files", "latest_net_G.safetensors"));
  let saved: Uint8Array | undefined;
  await trainOnPairs(
    {
      pairs,
      // the file's architecture wins over these; at lr 0 Adam moves nothing
      options: { ...options, netG: "unet_128", ngf: 16, lr: 0 },
      fineTune: { bytes: original, name: "trained.safetensors" },
    },
    {
      stopAtIteration: 1,
      onSave: (state) => {
        saved = state;
      },
    },
  );
  assert.ok(saved);
  const tuned = decodeSafetensors(generatorFileFromTrainState(saved));
  assert.deepEqual([tuned.metadata.netG, tuned.metadata.ngf], ["resnet_6blocks", "4"]);
  const before = decodeSafetensors(original).tensors;
  let compared = 0;
  for (const [key, tensor] of before) {
    if (/running_|num_batches/.test(key)) continue; // batch norm's statistics move in train mode
    assert.deepEqual(tuned.tensors.get(key)?.data, tensor.data, key);
    compared++;
  }
  assert.ok(compared > 10, `compared ${compared} weights`);
});
