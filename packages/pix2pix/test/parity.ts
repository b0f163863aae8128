/**
 * The TypeScript twin of tools/make-parity-fixtures.py's deterministic values, and helpers to compare
 * with its fixtures (packages/pix2pix/test/fixtures/parity/).
 */
import assert from "node:assert/strict";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import type { HostTensor } from "../src/io/safetensors-codec.ts";
import { createDiscriminator, createGenerator } from "../src/models/index.ts";
import type { GeneratorName } from "../src/models/options.ts";
import type { NormName } from "../src/nn/layers.ts";
import { nchwToNhwc, nhwcToNchw } from "../src/nn/layout.ts";
import type { Network } from "../src/nn/network.ts";
import { Rng } from "../src/random.ts";

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

const init = { initType: "normal", initGain: 0.02 } as const;

function generator(netG: GeneratorName, ngf: number, norm: NormName, inputNc: number, outputNc: number) {
  return () =>
    createGenerator({ netG, ngf, norm, dropout: false, inputNc, outputNc, ...init }, Rng.fromSeed(1));
}

/** The fixture script's CASES: same names, architectures and input shapes (NCHW). */
export const PARITY_CASES: Record<string, { make: () => Network; input: number[] }> = {
  unet_256: { make: generator("unet_256", 8, "batch", 1, 1), input: [1, 1, 256, 256] },
  unet_128: { make: generator("unet_128", 8, "batch", 3, 1), input: [1, 3, 128, 128] },
  unet_128_ngf2: { make: generator("unet_128", 2, "batch", 3, 3), input: [1, 3, 128, 128] },
  resnet_9blocks: { make: generator("resnet_9blocks", 8, "batch", 3, 3), input: [2, 3, 20, 20] },
  resnet_6blocks_instance: { make: generator("resnet_6blocks", 8, "instance", 3, 2), input: [2, 3, 16, 16] },
  basic: {
    make: () =>
      createDiscriminator(
        { netD: "basic", ndf: 8, nLayersD: 3, norm: "batch", inputNc: 6, ...init },
        Rng.fromSeed(1),
      ),
    input: [2, 6, 64, 64],
  },
  n_layers_5: {
    make: () =>
      createDiscriminator(
        { netD: "n_layers", ndf: 8, nLayersD: 5, norm: "batch", inputNc: 6, ...init },
        Rng.fromSeed(1),
      ),
    input: [1, 6, 128, 128],
  },
  n_layers_1_none: {
    make: () =>
      createDiscriminator(
        { netD: "n_layers", ndf: 8, nLayersD: 1, norm: "none", inputNc: 4, ...init },
        Rng.fromSeed(1),
      ),
    input: [2, 4, 16, 16],
  },
  pixel: {
    make: () =>
      createDiscriminator(
        { netD: "pixel", ndf: 8, nLayersD: 3, norm: "batch", inputNc: 6, ...init },
        Rng.fromSeed(1),
      ),
    input: [2, 6, 8, 8],
  },
};

/** Runs `net` on the fixture input in NCHW. */
export function runNchw(net: Network, input: number[], mode: "train" | "eval"): Float32Array {
  const x = nchwToNhwc({ shape: input, data: pattern(input, 1) });
  const y = tf.tidy(() =>
    net.apply(tf.tensor4d(x.data, x.shape as [number, number, number, number]), mode, Rng.fromSeed(0)),
  );
  const out = nhwcToNchw({ shape: y.shape, data: y.dataSync() as Float32Array });
  y.dispose();
  return out.data;
}
