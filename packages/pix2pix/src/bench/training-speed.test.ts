import assert from "node:assert/strict";
import { test } from "node:test";
import { runCli } from "../../test/cli-helpers.ts";

test("pix2pix bench --json prints one line with the timings and the kernels' shares", () => {
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
  // Every convolution kernel of a training step was timed, natively (a "(cpu)" entry is a fallback).
  for (const kernel of ["Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter"])
    assert.ok(kernel in report.kernels, kernel);
  for (const kernel of ["Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter"]) {
    assert.ok(!(`${kernel} (cpu)` in report.kernels), `${kernel} fell back to cpu`);
  }
  const total = Object.values(report.kernels as Record<string, number>).reduce(
    (sum, share) => sum + share,
    0,
  );
  assert.ok(total > 0.95 && total <= 1.0001, `shares sum to ${total}`);
});

test("pix2pix bench rejects a size the U-Net cannot take", () => {
  const { status, stderr } = runCli(["bench", "--size", "200"]);
  assert.equal(status, 2);
  assert.match(stderr, /multiple of 128/);
});
