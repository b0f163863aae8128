import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { readRunState } from "./checkpoint.ts";
import { readRunLog } from "./run-log.ts";
import type { StepLosses } from "./step.ts";
import { tinyRun } from "./tiny-run.ts";
import { train } from "./trainer.ts";

describe("training: exact resume, memory, logs", () => {
  const root = mkdtempSync(path.join(tmpdir(), "pix2pix-train-"));
  const whole: StepLosses[] = [];
  const split: StepLosses[] = [];
  const tensorCounts: number[] = [];
  let firstHalf: Awaited<ReturnType<typeof train>>;

  before(async () => {
    // 4 steps in one run, against 2 steps, a stop (mid-epoch) and 2 resumed steps; epoch 2 has a decayed lr
    // (n-epochs 2: as in the reference, the linear decay starts in epoch n-epochs).
    const run = (name: string) => ({ ...tinyRun(root, name), nEpochs: 2 });
    await train(run("whole"), {
      maxSteps: 4,
      onStep: ({ losses }) => {
        whole.push(losses);
        tensorCounts.push(tf.memory().numTensors);
      },
    });
    firstHalf = await train(run("split"), { maxSteps: 2, onStep: (p) => split.push(p.losses) });
    await train({ ...run("split"), continue: true }, { maxSteps: 2, onStep: (p) => split.push(p.losses) });
  });

  test("N steps in one run give the same losses as N/2 steps, a stop and N/2 resumed steps", () => {
    assert.equal(firstHalf.outcome, "stopped");
    assert.equal(whole.length, 4);
    assert.deepEqual(split, whole);
  });

  test("the resumed run ends with bit-identical weights", () => {
    for (const file of [
      "latest_net_G.safetensors",
      "latest_net_D.safetensors",
      "latest_train_state.safetensors",
    ]) {
      const a = readFileSync(path.join(root, "whole", file));
      const b = readFileSync(path.join(root, "split", file));
      if (file.includes("train_state")) continue; // holds elapsed seconds; its tensors are checked via G and D
      assert.ok(a.equals(b), file);
    }
  });

  test("the JSONL log of the resumed run reads as the uninterrupted one's", async () => {
    const strip = (records: Awaited<ReturnType<typeof readRunLog>>) =>
      records.map(({ seconds: _, rssMiB: __, ...r }) => r); // timings and memory differ
    const whole = await readRunLog(path.join(root, "whole", "loss_log.jsonl"));
    const split = await readRunLog(path.join(root, "split", "loss_log.jsonl"));
    assert.equal(whole.length, 4);
    assert.deepEqual(strip(split), strip(whole));
    assert.deepEqual(
      whole.map((r) => [r.epoch, r.lr]),
      [
        [1, 0.0002],
        [1, 0.0002],
        [1, 0.0002],
        [2, 0.0001],
      ],
    );
  });

  test("the tfjs tensor count is flat across steps", () => {
    assert.equal(new Set(tensorCounts.slice(1)).size, 1, `tensor counts per step: ${tensorCounts.join(" ")}`);
  });

  test("the run folder holds the options, a self-contained report and epoch checkpoints", () => {
    const dir = path.join(root, "whole");
    const options = JSON.parse(readFileSync(path.join(dir, "train_opt.json"), "utf8"));
    assert.equal(options.ngf, 4);
    const html = readFileSync(path.join(dir, "report.html"), "utf8");
    assert.match(html, /<svg/);
    const images = (html.match(/src="data:image\/png;base64,/g) ?? []).length;
    assert.equal(images, 3 * 3, "input, output and target of the 3 held-out synthetic pairs");
    assert.doesNotMatch(html, /(src|href)="https?:/, "nothing fetched from the network");
    assert.ok(existsSync(path.join(dir, "latest_net_G.safetensors")));
  });
});

describe("training faults", () => {
  test("a non-finite loss stops the run naming the step and keeps the last good checkpoint", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "pix2pix-nan-"));
    await train(tinyRun(root), { maxSteps: 1 });
    await assert.rejects(
      train({ ...tinyRun(root), continue: true, lr: 1e30 }),
      /training diverged: loss \w+ is (NaN|-?Infinity) at epoch 1, step 2 \(iteration 2\); nothing was saved/,
    );
    const dir = path.join(root, "tiny");
    assert.equal((await readRunState(dir, "latest")).iteration, 1, "the checkpoint is still the good step's");
    const resumed: StepLosses[] = [];
    await train({ ...tinyRun(root), continue: true }, { maxSteps: 1, onStep: (p) => resumed.push(p.losses) });
    assert.ok(resumed.length === 1 && Number.isFinite(resumed[0]?.G_L1), "the kept checkpoint resumes");
  });
});

describe("a schedule that leaves nothing to learn", () => {
  test("an epoch at learning rate 0 (one epoch, no decay epochs) is announced with what to change", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "pix2pix-lr0-"));
    const notes: string[] = [];
    await train(
      { ...tinyRun(root), nEpochs: 1, nEpochsDecay: 0 },
      { maxSteps: 1, onNote: (n) => notes.push(n) },
    );
    assert.ok(
      notes.some((n) => /^epoch 1 trains at learning rate 0 .*--n-epochs-decay/.test(n)),
      notes.join("\n"),
    );
    const silent: string[] = [];
    await train({ ...tinyRun(root, "fine"), nEpochs: 2 }, { maxSteps: 1, onNote: (n) => silent.push(n) });
    assert.ok(!silent.some((n) => /learning rate 0/.test(n)), silent.join("\n"));
  });
});
