/**
 * Parity with PyTorch: the reference's networks (tools/make-parity-fixtures.py), given the same weights
 * and inputs, produce the same outputs in train and eval mode, and the same running statistics.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { assertClose, PARITY_FIXTURES, pattern, patternValue } from "../../test/parity.ts";
import { useBackend } from "../backend.ts";
import { nchwToNhwc, nhwcToNchw } from "../io/layout.ts";
import { readSafetensors } from "../io/safetensors.ts";
import { loadNetworkStateDict, networkStateDict } from "../io/state-dict.ts";
import { Rng } from "../random.ts";
import { createDiscriminator, createGenerator } from "./index.ts";
import type { Network } from "./network.ts";
import type { GeneratorName, NormName } from "./options.ts";

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

describe("parity with the PyTorch reference networks", () => {
  before(async () => {
    await useBackend("cpu");
  });

  for (const [name, { make, input }] of Object.entries(PARITY_CASES)) {
    test(`${name}: same state-dict keys and shapes, same outputs in eval and train mode, same running stats`, async () => {
      const expected = await readSafetensors(path.join(PARITY_FIXTURES, `${name}.expected.safetensors`));
      const net = make();
      try {
        const ours = networkStateDict(net);
        const shapes = Object.fromEntries([...ours].map(([k, v]) => [k, [...v.shape]]));
        assert.deepEqual(shapes, JSON.parse(expected.metadata.state_dict_shapes ?? "{}"));
        loadNetworkStateDict(
          net,
          new Map([...ours.keys()].map((k) => [k, patternValue(k, ours.get(k)?.shape ?? [])])),
        );
        const stored = expected.tensors.get("input");
        if (stored) assert.deepEqual(stored.data, pattern(input, 1), "pattern() matches the script's");
        const get = (key: string) => {
          const t = expected.tensors.get(key);
          assert.ok(t, `fixture has ${key}`);
          return t.data as Float32Array;
        };
        assertClose(runNchw(net, input, "eval"), get("output.eval"), 1e-4, "eval output");
        assertClose(runNchw(net, input, "train"), get("output.train"), 1e-4, "train output");
        for (const [key, value] of networkStateDict(net)) {
          if (net.params.has(key)) continue;
          const after = expected.tensors.get(`after_train.${key}`);
          assert.ok(after, `fixture has after_train.${key}`);
          if (value.dtype === "int64") assert.deepEqual(value.data, after.data, key);
          else assertClose(value.data, after.data as Float32Array, 1e-4, key);
        }
      } finally {
        net.dispose();
      }
    });
  }
});
