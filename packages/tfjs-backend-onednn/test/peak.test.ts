import assert from "node:assert/strict";
import { test } from "node:test";
import { measureGemmPeak, nativeInfo } from "../src/index.ts";

test("measureGemmPeak: oneDNN's sgemm rate with every thread, in GFLOP/s", () => {
  const peak = measureGemmPeak();
  // Plausible for any CPU this runs on: above 0.1 GFLOP/s (one scalar core does more), below 200 GFLOP/s
  // per thread (two 512-bit FMA units, 64 FLOPs a cycle, at 3 GHz give 192).
  assert.ok(Number.isFinite(peak) && peak > 0.1, `${peak}`);
  assert.ok(peak < 200 * nativeInfo().threads, `${peak} GFLOP/s on ${nativeInfo().threads} threads`);
  const small = measureGemmPeak({ size: 64, repetitions: 1 });
  assert.ok(Number.isFinite(small) && small > 0, `${small}`);
});

test("measureGemmPeak rejects a size or repetition count that is not a positive integer", () => {
  assert.throws(() => measureGemmPeak({ size: 0 }), /size must be a positive integer/);
  assert.throws(() => measureGemmPeak({ repetitions: 1.5 }), /repetitions must be a positive integer/);
});
