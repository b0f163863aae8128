import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { runCli } from "../../test/cli-helpers.ts";
import { readImage } from "../io/images.ts";
import { tinyRun } from "../train/tiny-run.ts";
import { train } from "../train/trainer.ts";
import { runTest } from "./test-run.ts";

describe("pix2pix test", () => {
  const root = mkdtempSync(path.join(tmpdir(), "pix2pix-test-cmd-"));
  const results = path.join(root, "results");
  before(async () => {
    await train(tinyRun(root), { maxSteps: 1 });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test("writes the reference's results folder: image files, a page linking them and metrics JSON", async () => {
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
    assert.ok(stdout.includes(`images: ${path.join(out, "images")}`), stdout);
    const metrics = JSON.parse(readFileSync(path.join(out, "metrics.json"), "utf8"));
    assert.equal(metrics.mode, "test", "the paper's test time by default");
    assert.equal(metrics.count, 3);
    assert.equal(metrics.options.loadSize, 32, "architecture and sizes come from the run's saved options");
    const meanL1 = metrics.images.reduce((s: number, m: { l1: number }) => s + m.l1, 0) / 3;
    assert.ok(Math.abs(metrics.mean.l1 - meanL1) < 1e-12);

    const files = metrics.images.flatMap(
      ({ name, files }: { name: string; files: Record<string, string> }) => {
        const stem = path.parse(name).name;
        assert.deepEqual(files, {
          realA: `images/${stem}_real_A.png`,
          fakeB: `images/${stem}_fake_B.png`,
          realB: `images/${stem}_real_B.png`,
        });
        return [files.realA, files.fakeB, files.realB];
      },
    );
    assert.equal(new Set(files).size, 9);
    for (const file of files) {
      const image = await readImage(path.join(out, file), 3);
      assert.deepEqual([image.width, image.height], [32, 32], file);
    }
    const page = readFileSync(path.join(out, "index.html"), "utf8");
    const sources = [...page.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(sources, files, "the page shows input | output | target by relative path");
    assert.doesNotMatch(page, /data:/);
    assert.ok(page.length < 4000, `the page is ${page.length} bytes`);
  });

  test("--self-contained inlines the images in the page (and still writes the files)", async () => {
    const own = path.join(root, "self-contained");
    const result = await runTest({
      name: "tiny",
      checkpointsDir: root,
      resultsDir: own,
      backend: "cpu",
      numTest: 2,
      numThreads: 0,
      selfContained: true,
    });
    const page = readFileSync(result.page, "utf8");
    assert.equal((page.match(/<img src="data:image\/png;base64,/g) ?? []).length, 6);
    assert.doesNotMatch(page, /src="(?!data:)/, "no image is referenced by path");
    const metrics = JSON.parse(readFileSync(result.metricsFile, "utf8"));
    for (const { files } of metrics.images)
      assert.ok(existsSync(path.join(result.imagesDir, "..", files.fakeB)));
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

  test("an unwritable results dir is one clear error naming it, before any work", () => {
    const notAFolder = path.join(root, "not-a-folder");
    writeFileSync(notAFolder, "a file where the results dir should be");
    const { status, stderr } = runCli([
      "test",
      "--name",
      "tiny",
      "--checkpoints-dir",
      root,
      "--results-dir",
      path.join(notAFolder, "results"),
      "--backend",
      "cpu",
    ]);
    assert.equal(status, 2, stderr);
    assert.match(
      stderr,
      /cannot write .*not-a-folder.results.tiny.test_latest: a path component is not a folder/,
    );
    assert.doesNotMatch(stderr, /\n\s+at /);
    assert.doesNotMatch(stderr, /backend/, "it stops before choosing a backend");
  });
});
