import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { runCli } from "../../test/cli-helpers.ts";
import { parseShapes, type ShapeReport } from "./shape-speed.ts";
import type { ConvKernelRate } from "./training-speed.ts";

const TINY = ["--size", "128", "--ngf", "4", "--ndf", "4", "--iters", "1"];
const CONV_KERNELS = ["Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter"];

function assertRate(label: string, gflops: unknown, utilization: unknown) {
  assert.ok(
    typeof gflops === "number" && Number.isFinite(gflops) && gflops > 0,
    `${label}: ${gflops} GFLOP/s`,
  );
  assert.ok(
    typeof utilization === "number" && utilization > 0 && utilization < 1.5,
    `${label}: utilization ${utilization}`,
  );
}

test("pix2pix bench --json prints one line with the timings, the kernels' shares and the cpu fallbacks'", () => {
  const { status, stdout, stderr } = runCli(["bench", ...TINY, "--json"]);
  assert.equal(status, 0, stderr);
  const lines = stdout.trim().split("\n");
  assert.equal(lines.length, 1);
  const report = JSON.parse(lines[0] as string);
  assert.deepEqual(Object.keys(report).sort(), [
    "backend",
    "batch",
    "conv_kernels",
    "fallbacks",
    "gflops_per_s",
    "infer_conv_kernels",
    "infer_gflops_per_s",
    "infer_peak_rss_mb",
    "infer_s_per_batch",
    "infer_utilization",
    "kernels",
    "ndf",
    "ngf",
    "peak_gflops",
    "size",
    "train_peak_rss_mb",
    "train_s_per_iter",
    "utilization",
  ]);
  assert.equal(report.backend, "onednn");
  assert.equal(report.size, 128);
  assert.ok(report.train_s_per_iter > 0 && report.infer_s_per_batch > 0);
  // Every convolution kernel of a training step was timed, natively; none fell back to the cpu kernel.
  for (const kernel of CONV_KERNELS) {
    assert.ok(kernel in report.kernels, kernel);
    assert.ok(!(kernel in report.fallbacks), `${kernel} fell back to cpu`);
  }
  const total = [report.kernels, report.fallbacks]
    .flatMap((shares: Record<string, number>) => Object.values(shares))
    .reduce((sum, share) => sum + share, 0);
  assert.ok(total > 0.95 && total <= 1.0001, `shares sum to ${total}`);
});

test("pix2pix bench measures the sgemm peak and the convolutions' share of it, and each phase's peak memory", () => {
  const { status, stdout, stderr } = runCli(["bench", ...TINY, "--json"]);
  assert.equal(status, 0, stderr);
  const report = JSON.parse(stdout);
  assert.ok(Number.isFinite(report.peak_gflops) && report.peak_gflops > 0, `peak ${report.peak_gflops}`);
  assertRate("training", report.gflops_per_s, report.utilization);
  assertRate("inference", report.infer_gflops_per_s, report.infer_utilization);
  // The ratio of the two rates, each rounded to three significant digits.
  const ratio = report.gflops_per_s / report.peak_gflops;
  assert.ok(Math.abs(report.utilization - ratio) <= 0.01 * ratio, `${report.utilization} vs ${ratio}`);
  assert.deepEqual(Object.keys(report.conv_kernels).sort(), [...CONV_KERNELS].sort());
  for (const [kernel, rate] of Object.entries<ConvKernelRate>(report.conv_kernels)) {
    assertRate(kernel, rate.gflops_per_s, rate.utilization);
  }
  // Inference runs G forward only: its convolutions and transposed convolutions, no filter gradient.
  assert.deepEqual(Object.keys(report.infer_conv_kernels).sort(), ["Conv2D", "Conv2DBackpropInput"]);
  for (const [kernel, rate] of Object.entries<ConvKernelRate>(report.infer_conv_kernels)) {
    assertRate(`inference ${kernel}`, rate.gflops_per_s, rate.utilization);
  }
  // Peaks of one process: inference's first, then the whole run's, which training cannot lower.
  assert.ok(Number.isInteger(report.infer_peak_rss_mb) && report.infer_peak_rss_mb > 0);
  assert.ok(report.train_peak_rss_mb >= report.infer_peak_rss_mb);

  const text = runCli(["bench", ...TINY]);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^train +[\d.]+ s\/iteration, peak RSS \d+ MB$/m);
  assert.match(text.stdout, /^inference +[\d.]+ s\/batch, peak RSS \d+ MB$/m);
  assert.match(text.stdout, /^sgemm peak +[\d.]+ GFLOP\/s$/m);
  assert.match(text.stdout, /^ {2}Conv2DBackpropFilter +[\d.]+ % +[\d.e-]+ GFLOP\/s \([\d.]+ % of peak\)$/m);
});

test("pix2pix bench --shapes measures each shape in a process of its own, its FLOPs growing with batch and size", () => {
  // 128 px batch 1 is the report's own shape (--size 128, batch 1), measured in this process.
  const shapes = "128x2,256x1";
  const { status, stdout, stderr } = runCli(["bench", ...TINY, "--json", "--shapes", shapes]);
  assert.equal(status, 0, stderr);
  const report = JSON.parse(stdout.trim());
  assert.equal(report.size, 128); // the shape of --size and --batch stays the report's own
  const entries: ShapeReport[] = report.shapes;
  assert.deepEqual(
    entries.map(({ size, batch }) => `${size}x${batch}`),
    shapes.split(","),
  );
  for (const e of entries) {
    const label = `${e.size} px × ${e.batch}`;
    assertRate(`${label} training`, e.gflops_per_s, e.utilization);
    assertRate(`${label} inference`, e.infer_gflops_per_s, e.infer_utilization);
    for (const figure of [
      e.peak_gflops,
      e.train_s_per_iter,
      e.train_gflop_per_iter,
      e.infer_gflop_per_batch,
    ]) {
      assert.ok(typeof figure === "number" && Number.isFinite(figure) && figure > 0, `${label}: ${figure}`);
    }
    assert.ok(Number.isInteger(e.infer_peak_rss_mb) && e.train_peak_rss_mb >= e.infer_peak_rss_mb, label);
  }
  const [two, large] = entries as [ShapeReport, ShapeReport];
  const one = {
    train_gflop_per_iter: report.gflops_per_s * report.train_s_per_iter,
    infer_gflop_per_batch: report.infer_gflops_per_s * report.infer_s_per_batch,
  };
  const near = (value: number, low: number, high: number, what: string) =>
    assert.ok(value >= low && value <= high, `${what}: ${value}`);
  // Twice the images, twice the convolutions' work; twice the side, four times (the PatchGAN's
  // stride-1 layers lose a row and a column at either size: a little over 4 in training).
  const ratio = (a: number | null, b: number | null) => (a ?? Number.NaN) / (b ?? Number.NaN);
  near(ratio(two.train_gflop_per_iter, one.train_gflop_per_iter), 1.9, 2.1, "batch 2 / 1, training");
  near(ratio(two.infer_gflop_per_batch, one.infer_gflop_per_batch), 1.9, 2.1, "batch 2 / 1, inference");
  near(ratio(large.train_gflop_per_iter, one.train_gflop_per_iter), 3.9, 4.6, "256 / 128 px, training");
  near(ratio(large.infer_gflop_per_batch, one.infer_gflop_per_batch), 3.85, 4.15, "256 / 128 px, inference");

  // Each shape's line as it ended: on stderr beside the JSON line (on stdout without --json).
  const lines = stderr.split("\n").filter((line) => line.startsWith("shape "));
  assert.equal(lines.length, 2, stderr);
  assert.match(
    lines[1] as string,
    /^shape 256 px × 1 +train [\d.]+ s \([\d.]+ % of peak\), inference [\d.]+ s \([\d.]+ % of peak\), peak RSS \d+ \/ \d+ MB$/,
  );

  assert.deepEqual(parseShapes("256x1, 512x4"), [
    { size: 256, batch: 1 },
    { size: 512, batch: 4 },
  ]);
  for (const wrong of ["256x1,200x2", "256", "256x0", "x1"]) {
    assert.throws(() => parseShapes(wrong), /--shapes takes SIZExBATCH pairs/, wrong);
  }
});

test("pix2pix bench rejects a size the U-Net cannot take", () => {
  const { status, stderr } = runCli(["bench", "--size", "200"]);
  assert.equal(status, 2);
  assert.match(stderr, /multiple of 128/);
});

test("pix2pix bench --baseline runs the baseline command first, with our settings, and reports the ratios", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "pix2pix-baseline-"));
  // A stand-in for tools/torch_reference/bench.py: same arguments, same JSON line, fixed timings.
  const script = path.join(dir, "baseline.mjs");
  writeFileSync(
    script,
    [
      "const args = process.argv.slice(2);",
      'if (args.includes("--fail")) { console.error("No module named torch"); process.exit(1); }',
      'if (args.includes("--garble")) { console.log("not json"); process.exit(0); }',
      'console.log("warming up");',
      'console.log(JSON.stringify({ impl: "stand-in", args, train_s_per_iter: 2, infer_s_per_batch: 0.5, peak_rss_mb: 1400 }));',
    ].join("\n"),
  );
  const { status, stdout, stderr } = runCli(["bench", ...TINY, "--json", "--baseline", `node ${script}`]);
  assert.equal(status, 0, stderr);
  const report = JSON.parse(stdout.trim().split("\n").at(-1) as string);
  assert.equal(report.baseline.command, `node ${script} --size 128 --ngf 4 --ndf 4 --batch 1 --iters 1`);
  const { train_s_per_iter, infer_s_per_batch, peak_rss_mb } = report.baseline;
  assert.deepEqual([train_s_per_iter, infer_s_per_batch, peak_rss_mb], [2, 0.5, 1400]);
  assert.equal(report.train_ratio, Number((report.train_s_per_iter / 2).toFixed(3)));
  assert.equal(report.infer_ratio, Number((report.infer_s_per_batch / 0.5).toFixed(3)));
  assert.equal(report.rss_ratio, Number((report.train_peak_rss_mb / 1400).toFixed(3)));

  const failing = runCli(["bench", ...TINY, "--baseline", `node ${script} --fail`]);
  assert.equal(failing.status, 2);
  assert.match(failing.stderr, /baseline command failed \(exit 1\).*No module named torch/);
  assert.doesNotMatch(failing.stderr, /\n\s+at /);
  const garbled = runCli(["bench", ...TINY, "--baseline", `node ${script} --garble`]);
  assert.equal(garbled.status, 2);
  assert.match(garbled.stderr, /printed no JSON line/);
});

test("pix2pix bench --onnx-baseline: onnxruntime beside ours on the same generator, and the ratios", () => {
  const args = [
    "bench",
    "--size",
    "128",
    "--ngf",
    "16",
    "--ndf",
    "4",
    "--iters",
    "1",
    "--json",
    "--onnx-baseline",
  ];
  const { status, stdout, stderr } = runCli(args);
  assert.equal(status, 0, stderr);
  const report = JSON.parse(stdout.trim());
  const onnx = report.onnxruntime;
  assert.equal(onnx.threads >= 1 && onnx.size, 128);
  // the same network: onnxruntime, our inference plan and our op-by-op eval agree
  assert.ok(onnx.max_abs_diff <= 1e-4, `|plan − onnxruntime| ${onnx.max_abs_diff}`);
  assert.ok(onnx.plan_max_abs_diff <= 1e-4, `|plan − op by op| ${onnx.plan_max_abs_diff}`);
  for (const [ratio, ours] of [
    ["infer_ratio_onnxruntime", "infer_eval_s_per_batch"],
    ["infer_ratio_onnxruntime_test", "infer_test_s_per_batch"],
  ]) {
    const expected = onnx[ours as string] / onnx.onnxruntime_infer_s_per_batch;
    assert.ok(
      Math.abs(report[ratio as string] - expected) <= 0.03 * expected,
      `${ratio} ${report[ratio as string]}`,
    );
  }
});
