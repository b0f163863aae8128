import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, test } from "node:test";
import { runCli } from "../../test/cli-helpers.ts";
import { tinyRun } from "../train/tiny-run.ts";
import { train } from "../train/trainer.ts";
import { runTest } from "./test-run.ts";

describe("pix2pix test", () => {
  const root = mkdtempSync(path.join(tmpdir(), "pix2pix-test-cmd-"));
  const results = path.join(root, "results");
  before(async () => {
    await train(tinyRun(root), { say: () => {}, maxSteps: 1 });
  });

  test("writes a results page and metrics JSON for a trained run, in the paper's test mode by default", () => {
    const common = [
      "--name",
      "tiny",
      "--checkpoints-dir",
      root,
      "--results-dir",
      results,
      "--backend",
      "cpu",
    ];
    const { status, stdout, stderr } = runCli(["test", ...common, "--num-test", "3", "--num-threads", "0"]);
    assert.equal(status, 0, stderr);
    assert.match(stdout, /3 pairs: L1 \d\.\d{4}, PSNR \d+\.\d\d dB, SSIM -?\d\.\d{4}/);
    const out = path.join(results, "tiny", "test_latest");
    const metrics = JSON.parse(readFileSync(path.join(out, "metrics.json"), "utf8"));
    assert.equal(metrics.mode, "test");
    assert.equal(metrics.count, 3);
    assert.equal(metrics.options.loadSize, 32, "architecture and sizes come from the run's saved options");
    const meanL1 = metrics.images.reduce((s: number, m: { l1: number }) => s + m.l1, 0) / 3;
    assert.ok(Math.abs(metrics.mean.l1 - meanL1) < 1e-12);
    const page = readFileSync(path.join(out, "index.html"), "utf8");
    assert.equal((page.match(/src="data:image\/png;base64,/g) ?? []).length, 9);
    assert.doesNotMatch(page, /(src|href)="https?:/);
  });

  test("--eval uses running statistics without dropout, which gives other outputs", async () => {
    const common = {
      name: "tiny",
      checkpointsDir: root,
      resultsDir: results,
      backend: "cpu",
      numTest: 2,
    } as const;
    const paper = await runTest({ ...common, numThreads: 0 });
    const evaluated = await runTest({ ...common, numThreads: 0, eval: true });
    assert.notEqual(evaluated.mean.l1, paper.mean.l1);
    assert.equal(JSON.parse(readFileSync(evaluated.metricsFile, "utf8")).mode, "eval");
  });

  test("a missing run is one clear error", () => {
    const { status, stderr } = runCli([
      "test",
      "--name",
      "nope",
      "--checkpoints-dir",
      root,
      "--backend",
      "cpu",
    ]);
    assert.equal(status, 2);
    assert.match(stderr, /no generator to test: .*nope.latest_net_G.safetensors does not exist/);
    assert.doesNotMatch(stderr, /\n\s+at /);
  });
});
