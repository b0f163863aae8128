/**
 * Whole pix2pix training steps on the wasm backend with the kernels registered here: a ResNet pix2pix
 * (ngf 8, 32 px) takes the same losses as on the cpu backend, to 1e-4, step after step; and a U-Net
 * with a patch D under WGAN-GP (whose penalty differentiates D twice) and instance norm runs a step,
 * so every kernel those need exists on wasm too.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import {
  createDiscriminator,
  createGenerator,
  type DiscriminatorConfig,
  type GeneratorConfig,
} from "../models/index.ts";
import type { GanMode } from "../models/losses.ts";
import { Rng } from "../random.ts";
import { Adam, PYTORCH_ADAM } from "../train/adam.ts";
import { type StepLosses, trainStep } from "../train/step.ts";
import { registerWasmTrainingKernels } from "../wasm.ts";

interface Setup {
  readonly netG: GeneratorConfig["netG"];
  readonly netD: DiscriminatorConfig["netD"];
  readonly norm: GeneratorConfig["norm"];
  readonly ganMode: GanMode;
  readonly size: number;
}

/** `steps` steps from seed 1 on `backend`: the losses of each. */
async function losses(backend: string, o: Setup, steps: number): Promise<StepLosses[]> {
  assert.ok(await tf.setBackend(backend), `${backend} starts`);
  const init = { initType: "normal", initGain: 0.02 } as const;
  const rng = Rng.fromSeed(1);
  const g = createGenerator(
    { ...init, netG: o.netG, ngf: 8, norm: o.norm, dropout: true, inputNc: 3, outputNc: 3 },
    rng,
  );
  const d = createDiscriminator(
    {
      ...init,
      netD: o.netD,
      ndf: 8,
      nLayersD: 3,
      norm: o.norm,
      inputNc: 6,
      secondOrder: o.ganMode === "wgangp",
    },
    rng,
  );
  const model = {
    g,
    d,
    optimizerG: new Adam(g.params, PYTORCH_ADAM),
    optimizerD: new Adam(d.params, PYTORCH_ADAM),
  };
  const [a, b] = [1, 2].map((seed) => tf.randomUniform([1, o.size, o.size, 3], -1, 1, "float32", seed)) as [
    tf.Tensor4D,
    tf.Tensor4D,
  ];
  const settings = { ganMode: o.ganMode, lambdaL1: 100, lr: 0.0002, unconditionalD: false };
  const out = Array.from({ length: steps }, () => trainStep(model, settings, a, b, rng));
  tf.dispose([a, b, ...g.params.values(), ...d.params.values()]);
  return out;
}

registerWasmTrainingKernels();

test("a ResNet pix2pix (ngf 8, 32 px) on wasm takes cpu's losses, to 1e-4, for 3 steps", async () => {
  const setup: Setup = { netG: "resnet_6blocks", netD: "basic", norm: "batch", ganMode: "vanilla", size: 32 };
  const [wasm, cpu] = [await losses("wasm", setup, 3), await losses("cpu", setup, 3)];
  cpu.forEach((expected, step) => {
    const got = wasm[step] as StepLosses;
    for (const [name, value] of Object.entries(expected)) {
      const actual = got[name as keyof StepLosses] as number;
      assert.ok(
        Math.abs(actual - value) <= 1e-4 * Math.max(1, Math.abs(value)),
        `step ${step} ${name}: ${actual} vs cpu's ${value}`,
      );
    }
  });
  // The steps trained: D's losses moved (a step that changed nothing would match trivially).
  assert.notEqual(cpu[2]?.D_real, cpu[0]?.D_real);
});

test("a U-Net with a patch D under WGAN-GP and instance norm trains on wasm", async () => {
  const setup: Setup = { netG: "unet_128", netD: "n_layers", norm: "instance", ganMode: "wgangp", size: 128 };
  const [first, second] = await losses("wasm", setup, 2);
  for (const step of [first, second]) {
    assert.ok(step && Object.values(step).every(Number.isFinite), JSON.stringify(step));
    assert.ok(step.D_GP !== undefined && step.D_GP > 0, `a real gradient penalty: ${step.D_GP}`);
  }
  assert.notEqual(second?.G_L1, first?.G_L1);
});
