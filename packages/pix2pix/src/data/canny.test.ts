import assert from "node:assert/strict";
import { test } from "node:test";
import { canny, gaussianBlur, hysteresis } from "./canny.ts";

function square(size: number, from: number, to: number): Float32Array {
  const image = new Float32Array(size * size);
  for (let y = from; y < to; y++) for (let x = from; x < to; x++) image[y * size + x] = 200;
  return image;
}

test("a bright square's edges are thin lines on its border, and nothing inside or outside", () => {
  const size = 32;
  const edges = canny(square(size, 8, 24), size, size);
  const at = (x: number, y: number) => edges[y * size + x];
  // Every row crossing the square has edge pixels near x = 8 and x = 24, thin (1-2 px), and none elsewhere.
  for (let y = 11; y < 21; y++) {
    const xs = [...Array(size).keys()].filter((x) => at(x, y) === 1);
    assert.ok(xs.length >= 2 && xs.length <= 4, `row ${y}: ${xs}`);
    assert.ok(
      xs.every((x) => Math.abs(x - 7.5) <= 1.5 || Math.abs(x - 23.5) <= 1.5),
      `row ${y}: ${xs}`,
    );
  }
  assert.equal(at(16, 16), 0);
  assert.equal(at(2, 2), 0);
  assert.equal(
    canny(new Float32Array(size * size).fill(90), size, size).reduce((s, v) => s + v, 0),
    0,
  );
});

test("the blur keeps the mean; hysteresis keeps weak pixels only when they touch strong ones", () => {
  const image = square(16, 4, 12);
  const blurred = gaussianBlur(image, 16, 16, 1.4);
  const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
  assert.ok(Math.abs(mean(blurred) - mean(image)) < 1);
  const thin = new Float32Array([0, 5, 5, 0, 9, 0, 5, 0, 0]); // 3x3: a strong centre
  assert.deepEqual([...hysteresis(thin, 3, 3, 4, 8)], [0, 1, 1, 0, 1, 0, 1, 0, 0]);
  const lonely = new Float32Array([5, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...hysteresis(lonely, 3, 3, 4, 8)], [0, 0, 0, 0, 0, 0, 0, 0, 0]);
});
