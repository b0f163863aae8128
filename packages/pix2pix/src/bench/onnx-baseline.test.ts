/**
 * The onnxruntime comparison measures what it says: the same network in both runtimes (outputs agree),
 * positive times, ratios that are the quotients of the times reported.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { useBackend } from "../backend.ts";
import { measureOnnxBaseline } from "./onnx-baseline.ts";

before(async () => {
  await useBackend("onednn");
});

test("a small U-Net in onnxruntime and in ours: the same outputs, times and their ratios", async () => {
  const report = await measureOnnxBaseline({ size: 128, ngf: 4, batch: 2, iters: 2 });
  assert.equal(report.size, 128);
  assert.equal(report.batch, 2);
  assert.ok(report.threads >= 1);
  assert.ok(report.max_abs_diff <= 1e-4, `max |ours − onnxruntime| = ${report.max_abs_diff}`);
  for (const key of [
    "onnxruntime_infer_s_per_batch",
    "infer_eval_s_per_batch",
    "infer_test_s_per_batch",
  ] as const) {
    assert.ok(report[key] > 0, key);
  }
  const ratio = report.infer_eval_s_per_batch / report.onnxruntime_infer_s_per_batch;
  assert.ok(Math.abs(report.infer_ratio_onnxruntime - ratio) <= 0.03 * ratio, "times rounded to 0.1 ms");
  assert.equal(report.load_average.length, 3);
});
