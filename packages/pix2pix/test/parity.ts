/**
 * The TypeScript twin of tools/make-parity-fixtures.py's deterministic values, and helpers to compare
 * with its fixtures (packages/pix2pix/test/fixtures/parity/).
 */
import assert from "node:assert/strict";
import path from "node:path";
import type { HostTensor } from "../src/io/safetensors-codec.ts";

export const PARITY_FIXTURES = path.resolve(import.meta.dirname, "fixtures/parity");

/** Values in [-1, 1): a multiplicative hash of the flat index, as `pattern()` in the fixture script. */
export function pattern(shape: readonly number[], salt: number): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const hash = Number((BigInt(i + salt) * 2654435761n) % 2n ** 32n);
    out[i] = (hash / 2 ** 32) * 2 - 1;
  }
  return out;
}

export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h;
}

/** The fixture script's `pattern_value`: a state-dict entry (PyTorch layout) from its key and shape. */
export function patternValue(key: string, shape: readonly number[]): HostTensor {
  if (key.endsWith("num_batches_tracked")) return { dtype: "int64", shape, data: BigInt64Array.of(7n) };
  const p = pattern(shape, fnv1a(key));
  let map: (v: number) => number;
  if (shape.length === 4) {
    const fanIn = (shape[1] as number) * (shape[2] as number) * (shape[3] as number);
    map = (v) => v / Math.sqrt(fanIn);
  } else if (key.endsWith("running_var")) map = (v) => 1 + 0.5 * v;
  else if (key.endsWith("running_mean")) map = (v) => 0.3 * v;
  else if (key.endsWith("weight")) map = (v) => 1 + 0.5 * v;
  else map = (v) => 0.5 * v;
  return { dtype: "float32", shape, data: p.map(map) };
}

/** max |a − b| ≤ tol · max |b|: relative to the scale of the expected tensor (outputs, gradients). */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: number,
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i] as number));
  let worst = 0;
  let at = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs((actual[i] as number) - (expected[i] as number));
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  assert.ok(
    worst <= tol * scale,
    `${what}: max difference ${worst} at ${at} (got ${actual[at]}, expected ${expected[at]}), tolerance ${tol * scale}`,
  );
}
