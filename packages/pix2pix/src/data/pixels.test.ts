import assert from "node:assert/strict";
import { test } from "node:test";
import { cropPixels, luma, rgbaToUnitRange, rgbToLuma, toUnitRange, unitRangeToRgba } from "./pixels.ts";

test("bytes map to [-1, 1] as ToTensor + Normalize(0.5, 0.5), cropped and mirrored when flipped", () => {
  const rgb = new Uint8Array([9, 9, 9, 0, 51, 255, 255, 255, 255]); // one row of three pixels
  const round = (a: Float32Array) => [...a].map((v) => Math.round(v * 1000) / 1000);
  const rect = { left: 1, top: 0, width: 2, height: 1 };
  assert.deepEqual(round(toUnitRange(rgb, 3, 3, rect, false)), [-1, -0.6, 1, 1, 1, 1]);
  assert.deepEqual(round(toUnitRange(rgb, 3, 3, rect, true)), [1, 1, 1, -1, -0.6, 1]);
  assert.deepEqual([...cropPixels(rgb, 3, 3, rect)], [0, 51, 255, 255, 255, 255]);
});

test("grayscale uses PIL's convert('L') luma", () => {
  assert.equal(luma(255, 0, 0), 76);
  assert.equal(luma(0, 255, 0), 150);
  assert.equal(luma(0, 0, 255), 29);
  assert.equal(luma(255, 255, 255), 255);
  assert.deepEqual([...rgbToLuma(new Uint8Array([255, 0, 0, 0, 0, 255]))], [76, 29]);
});

test("canvas RGBA → [-1, 1] drops alpha, grey by luma; back to RGBA rounds like the image files, clamps, opaque", () => {
  const rgba = new Uint8Array([0, 51, 255, 10, 255, 0, 0, 200]);
  const round = (a: Float32Array) => [...a].map((v) => Math.round(v * 1000) / 1000);
  assert.deepEqual(round(rgbaToUnitRange(rgba, 3)), [-1, -0.6, 1, 1, -1, -1]);
  assert.deepEqual([...unitRangeToRgba(rgbaToUnitRange(rgba, 3), 3)], [0, 51, 255, 255, 255, 0, 0, 255]);
  const grey = rgbaToUnitRange(rgba, 1);
  assert.deepEqual([...unitRangeToRgba(grey, 1)].slice(4), [76, 76, 76, 255]);
  // 0 is byte 127.5, rounded up as the files we write; out of range clamps
  assert.deepEqual([...unitRangeToRgba(new Float32Array([0, -3, 7]), 3)], [128, 0, 255, 255]);
});
