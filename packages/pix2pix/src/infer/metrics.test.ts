import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Rng } from "../random.ts";
import { type Image, imageMetrics, l1, meanMetrics, psnr, ssim } from "./metrics.ts";

function image(height: number, width: number, channels: number, value: (i: number) => number): Image {
  const data = new Float32Array(height * width * channels);
  for (let i = 0; i < data.length; i++) data[i] = value(i);
  return { data, height, width, channels };
}

function noise(seed: number): Image {
  const rng = Rng.fromSeed(seed);
  return image(24, 20, 3, () => rng.next() * 2 - 1);
}

describe("image metrics", () => {
  test("identical images: L1 0, PSNR infinite, SSIM 1", () => {
    const x = noise(1);
    assert.deepEqual(imageMetrics(x, x), { l1: 0, psnr: Number.POSITIVE_INFINITY, ssim: 1 });
  });

  test("L1 is the mean absolute difference in [-1, 1] units", () => {
    const x = image(2, 2, 1, (i) => [0, 0.5, -1, 1][i] as number);
    const y = image(2, 2, 1, () => 0);
    assert.equal(l1(x, y), (0 + 0.5 + 1 + 1) / 4);
  });

  test("PSNR of a uniform 0.1 difference in [0, 1] units is 20 dB", () => {
    const x = noise(2);
    const y = image(24, 20, 3, (i) => (x.data[i] as number) + 0.2); // 0.2 in [-1,1] = 0.1 in [0,1]
    assert.ok(Math.abs(psnr(x, y) - 20) < 1e-4, String(psnr(x, y)));
  });

  test("SSIM of two constant images is the luminance term (2ab + C1) / (a² + b² + C1)", () => {
    const [a, b] = [0.25, 0.75];
    const x = image(16, 16, 3, () => a * 2 - 1);
    const y = image(16, 16, 3, () => b * 2 - 1);
    const expected = (2 * a * b + 0.01 ** 2) / (a * a + b * b + 0.01 ** 2);
    assert.ok(Math.abs(ssim(x, y) - expected) < 1e-6, `${ssim(x, y)} vs ${expected}`);
  });

  test("SSIM of an image and its negation is close to -1; of unrelated noise, close to 0", () => {
    const x = noise(3);
    const negated = image(24, 20, 3, (i) => -(x.data[i] as number));
    assert.ok(ssim(x, negated) < -0.95, String(ssim(x, negated)));
    assert.ok(Math.abs(ssim(x, noise(4))) < 0.1, String(ssim(x, noise(4))));
    assert.equal(ssim(x, noise(4)), ssim(noise(4), x), "symmetric");
  });

  test("shapes must match, and SSIM needs room for its 11×11 window", () => {
    assert.throws(
      () =>
        l1(
          noise(1),
          image(24, 20, 1, () => 0),
        ),
      /one shape/,
    );
    assert.throws(
      () =>
        ssim(
          image(8, 8, 1, () => 0),
          image(8, 8, 1, () => 0),
        ),
      /at least 11×11/,
    );
  });

  test("means leave identical pairs out of PSNR", () => {
    const mean = meanMetrics([
      { l1: 0, psnr: Number.POSITIVE_INFINITY, ssim: 1 },
      { l1: 0.2, psnr: 20, ssim: 0.5 },
    ]);
    assert.deepEqual(mean, { l1: 0.1, psnr: 20, ssim: 0.75 });
  });
});
