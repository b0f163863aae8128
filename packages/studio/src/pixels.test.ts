import assert from "node:assert/strict";
import { test } from "node:test";
import { modelOutputToRgba, rgbaToModelInput } from "./pixels.ts";

test("RGB pixels map to [-1, 1] and back without loss, alpha dropped then made opaque", () => {
  const rgba = new Uint8ClampedArray([0, 128, 255, 10, 255, 0, 64, 200]);
  const values = rgbaToModelInput(rgba, 3);
  assert.equal(values.length, 6);
  assert.equal(values[0], -1);
  assert.equal(values[2], 1);
  assert.ok(Math.abs((values[1] ?? 0) - (128 / 255) * 2 + 1) < 1e-6);
  assert.deepEqual([...modelOutputToRgba(values, 3)], [0, 128, 255, 255, 255, 0, 64, 255]);
});

test("grayscale uses luma weights and expands to gray RGBA", () => {
  const values = rgbaToModelInput(new Uint8ClampedArray([255, 0, 0, 255]), 1);
  assert.ok(Math.abs((values[0] ?? 0) - (0.299 * 2 - 1)) < 1e-6);
  const rgba = modelOutputToRgba(values, 1);
  assert.equal(rgba[0], rgba[1]);
  assert.equal(rgba[1], rgba[2]);
  assert.equal(rgba[0], Math.round(0.299 * 255));
});

test("out-of-range model outputs are clamped", () => {
  assert.deepEqual([...modelOutputToRgba(new Float32Array([-3, 0, 7]), 3)], [0, 128, 255, 255]);
});
