import assert from "node:assert/strict";
import { test } from "node:test";
import { luma, rgbToUnitRange } from "./pixels.ts";

test("bytes map to [-1, 1] as ToTensor + Normalize(0.5, 0.5), mirrored when flipped", () => {
  const rgb = new Uint8Array([0, 51, 255, 255, 255, 255]); // two pixels in a row
  const plain = rgbToUnitRange(rgb, 2, 1, 3, false);
  assert.deepEqual(
    [...plain].map((v) => Math.round(v * 1000) / 1000),
    [-1, -0.6, 1, 1, 1, 1],
  );
  const flipped = rgbToUnitRange(rgb, 2, 1, 3, true);
  assert.deepEqual(
    [...flipped].map((v) => Math.round(v * 1000) / 1000),
    [1, 1, 1, -1, -0.6, 1],
  );
});

test("grayscale uses PIL's convert('L') luma", () => {
  assert.equal(luma(255, 0, 0), 76);
  assert.equal(luma(0, 255, 0), 150);
  assert.equal(luma(0, 0, 255), 29);
  assert.equal(luma(255, 255, 255), 255);
  const grey = rgbToUnitRange(new Uint8Array([255, 0, 0]), 1, 1, 1, false);
  assert.equal(grey.length, 1);
  assert.ok(Math.abs((grey[0] as number) - (76 / 127.5 - 1)) < 1e-6);
});
