import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Rng } from "../random.ts";
import { batchNormWeight, convWeight } from "./init.ts";

function stats(values: Float32Array): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance) };
}

describe("weight init (the reference's init_weights)", () => {
  const shape = [64, 32, 4, 4]; // OIHW: fan-in 512, fan-out 1024

  test("normal, xavier and kaiming have the reference's standard deviations", () => {
    const std = (initType: "normal" | "xavier" | "kaiming", gain: number) =>
      stats(convWeight(shape, { initType, initGain: gain }, Rng.fromSeed(1))).std;
    const close = (a: number, b: number) => Math.abs(a - b) / b < 0.03;
    assert.ok(close(std("normal", 0.02), 0.02));
    assert.ok(close(std("xavier", 0.5), 0.5 * Math.sqrt(2 / (512 + 1024))));
    assert.ok(close(std("kaiming", 0.02), Math.sqrt(2 / 512)), "kaiming ignores the gain, as the reference");
    const bn = stats(batchNormWeight(4096, { initType: "normal", initGain: 0.02 }, Rng.fromSeed(1)));
    assert.ok(Math.abs(bn.mean - 1) < 0.002 && close(bn.std, 0.02), "batch-norm weights ~ N(1, gain)");
  });

  test("orthogonal gives orthonormal rows (wide) or columns (tall), times the gain", () => {
    for (const [rows, cols] of [
      [8, 48],
      [48, 3],
    ] as const) {
      const w = convWeight(
        [rows, cols / 3, 3 > cols ? 1 : 1, 3],
        { initType: "orthogonal", initGain: 2 },
        Rng.fromSeed(3),
      );
      const [m, n, at] =
        rows < cols
          ? [rows, cols, (i: number, k: number) => w[i * cols + k] as number]
          : [cols, rows, (i: number, k: number) => w[k * cols + i] as number];
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < m; j++) {
          let dot = 0;
          for (let k = 0; k < n; k++) dot += at(i, k) * at(j, k);
          assert.ok(Math.abs(dot - (i === j ? 4 : 0)) < 1e-4, `${rows}×${cols} (${i}, ${j}): ${dot}`);
        }
      }
    }
  });

  test("the same seed draws the same weights, another seed others", () => {
    const draw = (seed: number) =>
      convWeight([4, 2, 3, 3], { initType: "xavier", initGain: 1 }, Rng.fromSeed(seed));
    assert.deepEqual(draw(5), draw(5));
    assert.notDeepEqual(draw(5), draw(6));
  });
});
