/**
 * Behaviour of the networks beyond PyTorch parity: output sizes of every architecture, the three modes
 * (dropout, batch vs running statistics, running-stat updates), the reference's bias rule, the
 * conditional / unconditional discriminator input, reproducible seeded init, no leaked tensors.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backend.ts";
import { UserError } from "../errors.ts";
import type { Mode, Network } from "../nn/network.ts";
import { defaults } from "../options/schema.ts";
import { Rng } from "../random.ts";
import {
  createDiscriminator,
  createGenerator,
  type DiscriminatorConfig,
  discriminatorConfig,
  type GeneratorConfig,
  generatorConfig,
} from "./index.ts";
import { modelOptions } from "./options.ts";

const init = { initType: "normal", initGain: 0.02 } as const;
const unet128: GeneratorConfig = {
  netG: "unet_128",
  ngf: 4,
  norm: "batch",
  dropout: true,
  inputNc: 3,
  outputNc: 3,
  ...init,
};
const patch = (o: Partial<DiscriminatorConfig>): DiscriminatorConfig => ({
  netD: "basic",
  ndf: 4,
  nLayersD: 3,
  norm: "batch",
  inputNc: 6,
  ...init,
  ...o,
});

function run(net: Network, shape: [number, number, number, number], mode: Mode, seed = 0): tf.Tensor4D {
  return tf.tidy(() => net.apply(tf.tensor4d(randomData(shape), shape), mode, Rng.fromSeed(seed)));
}

function randomData(shape: number[]): Float32Array {
  const rng = Rng.fromSeed(42);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.next() * 2 - 1);
}

function values(net: Network): Map<string, number[]> {
  return new Map([...net.params, ...net.buffers].map(([k, v]) => [k, [...v.dataSync()]]));
}

describe("networks", () => {
  before(async () => {
    await useBackend("cpu");
  });

  test("discriminator output sizes at 256 px: basic 30×30, keras 16×16, pixel 256×256, n_layers 1 → 126", () => {
    const sizes: [Partial<DiscriminatorConfig>, number][] = [
      [{ netD: "basic" }, 30],
      [{ netD: "keras" }, 16],
      [{ netD: "pixel" }, 256],
      [{ netD: "n_layers", nLayersD: 1 }, 126],
    ];
    for (const [o, side] of sizes) {
      const d = createDiscriminator(patch(o), Rng.fromSeed(1));
      const y = run(d, [1, 256, 256, 6], "eval");
      assert.deepEqual(y.shape, [1, side, side, 1], o.netD);
      y.dispose();
      d.dispose();
    }
  });

  test("generators keep the image size and map to [-1, 1]; U-Net refuses sizes it cannot take", () => {
    for (const [config, side] of [
      [unet128, 128],
      [{ ...unet128, netG: "resnet_6blocks", outputNc: 1 }, 12],
    ] as const) {
      const g = createGenerator(config, Rng.fromSeed(1));
      const y = run(g, [2, side, side, 3], "train");
      assert.deepEqual(y.shape, [2, side, side, config.outputNc]);
      assert.ok(y.dataSync().every((v) => v >= -1 && v <= 1));
      y.dispose();
      g.dispose();
    }
    const g = createGenerator(unet128, Rng.fromSeed(1));
    assert.throws(
      () => run(g, [1, 96, 96, 3], "eval"),
      (e: unknown) => e instanceof UserError && /multiples of 128/.test(e.message),
    );
    g.dispose();
  });

  test("modes: train and test drop out (rng-seeded), eval does not; only train moves running stats", () => {
    const g = createGenerator(unet128, Rng.fromSeed(1));
    const before = values(g);
    const out = (mode: Mode, seed: number) => {
      const y = run(g, [1, 128, 128, 3], mode, seed);
      const data = [...y.dataSync()];
      y.dispose();
      return data;
    };
    assert.deepEqual(out("test", 1), out("test", 1), "same seed, same dropout masks");
    assert.notDeepEqual(out("test", 1), out("test", 2), "dropout depends on the seed");
    assert.deepEqual(out("eval", 1), out("eval", 2), "no dropout in eval");
    assert.deepEqual(values(g), before, "test and eval leave the running stats alone");
    out("train", 1);
    const after = values(g);
    const mean = "model.model.1.model.2.running_mean";
    assert.notDeepEqual(after.get(mean), before.get(mean));
    assert.deepEqual(after.get("model.model.1.model.2.num_batches_tracked"), [1]);
    g.dispose();
  });

  test("bias rule as the reference: conv biases only under instance norm", () => {
    const biases = (norm: "batch" | "instance" | "none") => {
      const g = createGenerator({ ...unet128, norm }, Rng.fromSeed(1));
      const keys = [...g.params.keys()].filter((k) => k.endsWith(".bias"));
      g.dispose();
      return keys;
    };
    // batch: the norms' biases and the outermost up conv's bias; none: only the outermost up conv's.
    assert.ok(biases("batch").includes("model.model.1.model.2.bias"));
    assert.ok(!biases("batch").includes("model.model.1.model.1.bias"));
    assert.deepEqual(biases("none"), ["model.model.3.bias"]);
    assert.ok(biases("instance").includes("model.model.1.model.1.bias"));
  });

  test("D sees input and output (conditional) unless --unconditional-D", () => {
    const o = defaults(modelOptions);
    assert.equal(discriminatorConfig(o, 3, 1).inputNc, 4);
    assert.equal(discriminatorConfig({ ...o, unconditionalD: true }, 3, 1).inputNc, 1);
    assert.equal(generatorConfig(o, 3, 1).dropout, true);
    assert.equal(generatorConfig({ ...o, noDropout: true }, 3, 1).dropout, false);
  });

  test("without an Rng, weights start at zero and BatchNorm scales at one (for loading)", () => {
    const g = createGenerator({ ...unet128, netG: "resnet_6blocks" }, null);
    for (const [key, v] of g.params) {
      const isNormScale = g.buffers.has(key.replace(/weight$/, "running_mean"));
      assert.ok(
        v.dataSync().every((x) => x === (isNormScale ? 1 : 0)),
        key,
      );
    }
    g.dispose();
  });

  test("init: the same seed gives the same weights; apply leaks no tensors", () => {
    const a = createGenerator({ ...unet128, netG: "resnet_6blocks" }, Rng.fromSeed(7));
    const b = createGenerator({ ...unet128, netG: "resnet_6blocks" }, Rng.fromSeed(7));
    const c = createGenerator({ ...unet128, netG: "resnet_6blocks" }, Rng.fromSeed(8));
    assert.deepEqual(values(a), values(b));
    assert.notDeepEqual(values(a), values(c));
    run(a, [1, 8, 8, 3], "train").dispose();
    const count = tf.memory().numTensors;
    for (const mode of ["train", "test", "eval"] as const) run(a, [1, 8, 8, 3], mode).dispose();
    assert.equal(tf.memory().numTensors, count);
    for (const n of [a, b, c]) n.dispose();
  });
});
