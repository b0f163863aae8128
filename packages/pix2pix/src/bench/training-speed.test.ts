import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { runCli } from "../../test/cli-helpers.ts";

test("pix2pix bench --json prints one line with the timings, the kernels' shares and the cpu fallbacks'", () => {
  const { status, stdout, stderr } = runCli([
    "bench",
    "--size",
    "128",
    "--ngf",
    "4",
    "--ndf",
    "4",
    "--iters",
    "1",
    "--json",
  ]);
  assert.equal(status, 0, stderr);
  const lines = stdout.trim().split("\n");
  assert.equal(lines.length, 1);
  const report = JSON.parse(lines[0] as string);
  assert.deepEqual(Object.keys(report).sort(), [
    "backend",
    "batch",
    "fallbacks",
    "gflops_per_s",
    "infer_s_per_batch",
    "kernels",
    "ndf",
    "ngf",
    "size",
    "train_s_per_iter",
  ]);
  assert.equal(report.backend, "onednn");
  assert.equal(report.size, 128);
  assert.ok(report.train_s_per_iter > 0 && report.infer_s_per_batch > 0);
  assert.ok(report.gflops_per_s > 0);
  // Every convolution kernel of a training step was timed, natively; none fell back to the cpu kernel.
  for (const kernel of ["Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter"]) {
    assert.ok(kernel in report.kernels, kernel);
    assert.ok(!(kernel in report.fallbacks), `${kernel} fell back to cpu`);
  }
  const total = [report.kernels, report.fallbacks]
    .flatMap((shares: Record<string, number>) => Object.values(shares))
    .reduce((sum, share) => sum + share, 0);
  assert.ok(total > 0.95 && total <= 1.0001, `shares sum to ${total}`);
});

test("pix2pix bench rejects a size the U-Net cannot take", () => {
  const { status, stderr } = runCli(["bench", "--size", "200"]);
  assert.equal(status, 2);
  assert.match(stderr, /multiple of 128/);
});

test("pix2pix bench --baseline runs the baseline command first, with our settings, and reports the ratios", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "pix2pix-baseline-"));
  // A stand-in for torch_pix2pix.py: same arguments, same JSON line, fixed timings.
  const script = path.join(dir, "baseline.mjs");
  writeFileSync(
    script,
    [
      "const args = process.argv.slice(2);",
      'if (args.includes("--fail")) { console.error("No module named torch"); process.exit(1); }',
      'if (args.includes("--garble")) { console.log("not json"); process.exit(0); }',
      'console.log("warming up");',
      'console.log(JSON.stringify({ impl: "stand-in", args, train_s_per_iter: 2, infer_s_per_batch: 0.5 }));',
    ].join("\n"),
  );
  const tiny = ["--size", "128", "--ngf", "4", "--ndf", "4", "--iters", "1"];
  const { status, stdout, stderr } = runCli(["bench", ...tiny, "--json", "--baseline", `node ${script}`]);
  assert.equal(status, 0, stderr);
  const report = JSON.parse(stdout.trim().split("\n").at(-1) as string);
  assert.equal(report.baseline.command, `node ${script} --size 128 --ngf 4 --ndf 4 --batch 1 --iters 1`);
  assert.deepEqual([report.baseline.train_s_per_iter, report.baseline.infer_s_per_batch], [2, 0.5]);
  assert.equal(report.train_ratio, Number((report.train_s_per_iter / 2).toFixed(3)));
  assert.equal(report.infer_ratio, Number((report.infer_s_per_batch / 0.5).toFixed(3)));

  const failing = runCli(["bench", ...tiny, "--baseline", `node ${script} --fail`]);
  assert.equal(failing.status, 2);
  assert.match(failing.stderr, /baseline command failed \(exit 1\).*No module named torch/);
  assert.doesNotMatch(failing.stderr, /\n\s+at /);
  const garbled = runCli(["bench", ...tiny, "--baseline", `node ${script} --garble`]);
  assert.equal(garbled.status, 2);
  assert.match(garbled.stderr, /printed no JSON line/);
});
