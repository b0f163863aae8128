import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Rng } from "../random.ts";
import type { Preprocess } from "./options.ts";
import {
  drawAugmentation,
  planTransform,
  roundHalfEven,
  roundingWarning,
  type TransformOptions,
} from "./transform.ts";

const options = (preprocess: Preprocess, loadSize = 286, cropSize = 256): TransformOptions => ({
  preprocess,
  loadSize,
  cropSize,
  noFlip: false,
});
const still = { cropX: 0, cropY: 0, flip: false };

describe("reference transforms", () => {
  test("resize_and_crop scales to load-size and crops crop-size anywhere in the free range", () => {
    const low = planTransform({ width: 256, height: 256 }, options("resize_and_crop"), still);
    assert.deepEqual(low.resize, { width: 286, height: 286 });
    assert.deepEqual(low.crop, { left: 0, top: 0, width: 256, height: 256 });
    assert.deepEqual(low.output, { width: 256, height: 256 });
    const high = planTransform({ width: 600, height: 600 }, options("resize_and_crop"), {
      cropX: 0.9999,
      cropY: 0.5,
      flip: true,
    });
    assert.deepEqual(high.crop, { left: 30, top: 15, width: 256, height: 256 });
    assert.equal(high.flip, true);
  });

  test("resize only scales; crop only crops at the original size", () => {
    const resize = planTransform({ width: 300, height: 200 }, options("resize"), still);
    assert.deepEqual(resize.resize, { width: 286, height: 286 });
    assert.equal(resize.crop, undefined);
    const crop = planTransform({ width: 300, height: 280 }, options("crop"), {
      cropX: 0.5,
      cropY: 0.99,
      flip: false,
    });
    assert.equal(crop.resize, undefined);
    assert.deepEqual(crop.crop, { left: 22, top: 24, width: 256, height: 256 });
  });

  test("scale_width keeps the aspect ratio, never shorter than the crop, and keeps a fitting image", () => {
    const wide = planTransform({ width: 600, height: 300 }, options("scale_width"), still);
    assert.deepEqual(wide.resize, { width: 286, height: 256 });
    const tall = planTransform({ width: 600, height: 900 }, options("scale_width_and_crop"), still);
    assert.deepEqual(tall.resize, { width: 286, height: 429 });
    assert.deepEqual(tall.output, { width: 256, height: 256 });
    const fitting = planTransform({ width: 286, height: 300 }, options("scale_width"), still);
    assert.equal(fitting.resize, undefined);
  });

  test("preprocess none rounds sizes to multiples of 4 as Python's round, with a warning", () => {
    assert.equal(roundHalfEven(2.5), 2);
    assert.equal(roundHalfEven(3.5), 4);
    assert.equal(roundHalfEven(-0.5), 0);
    const plan = planTransform({ width: 250, height: 130 }, options("none"), still);
    assert.deepEqual(plan.resize, { width: 248, height: 128 }); // 62.5 → 62, 32.5 → 32
    assert.match(roundingWarning({ width: 250, height: 130 }, options("none")) ?? "", /250x130.*248x128/);
    assert.equal(roundingWarning({ width: 256, height: 128 }, options("none")), undefined);
    assert.equal(roundingWarning({ width: 250, height: 130 }, options("resize")), undefined);
    assert.equal(planTransform({ width: 256, height: 128 }, options("none"), still).resize, undefined);
  });

  test("an augmentation is always three draws, so --no-flip does not shift the random sequence", () => {
    const a = Rng.fromSeed(7);
    const b = Rng.fromSeed(7);
    const flips = Array.from({ length: 50 }, () => drawAugmentation(a, false).flip);
    assert.ok(flips.includes(true) && flips.includes(false));
    const unflipped = Array.from({ length: 50 }, () => drawAugmentation(b, true).flip);
    assert.ok(unflipped.every((f) => !f));
    assert.deepEqual(a.state(), b.state());
  });
});
