/**
 * The GAN losses: closed-form values, numerical stability, and parity with PyTorch for the pix2pix G and
 * D losses' gradients and for the WGAN-GP penalty (values and gradients, second order through D).
 */
import assert from "node:assert/strict";
import path from "node:path";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { assertClose, PARITY_FIXTURES, pattern, patternValue } from "../../test/parity.ts";
import { useBackend } from "../backend.ts";
import { readSafetensors } from "../io/safetensors.ts";
import { loadNetworkStateDict, networkStateDict } from "../io/state-dict.ts";
import { nchwToNhwc, tfjsToTorch } from "../nn/layout.ts";
import { Rng } from "../random.ts";
import "../train/gradients.ts";
import type { Network } from "../nn/network.ts";
import { createDiscriminator, createGenerator } from "./index.ts";
import { ganLoss, gradientPenalty } from "./losses.ts";

function value(t: tf.Tensor): number {
  return t.dataSync()[0] as number;
}

function param(net: Network, key: string): tf.Variable {
  const v = net.params.get(key);
  assert.ok(v, `parameter ${key}`);
  return v;
}

function fillFromPattern(net: Network): void {
  const dict = networkStateDict(net);
  loadNetworkStateDict(net, new Map([...dict].map(([k, v]) => [k, patternValue(k, v.shape)])));
}

function nhwc(shape: [number, number, number, number], salt: number): tf.Tensor4D {
  const x = nchwToNhwc({ shape, data: pattern(shape, salt) });
  return tf.tensor4d(x.data, x.shape as [number, number, number, number]);
}

for (const backend of ["cpu", "onednn"] as const) {
  describe(`GAN losses (${backend} backend)`, () => {
    before(async () => {
      await useBackend(backend);
    });

    test("vanilla is BCE on logits, stable for large logits; lsgan is MSE; wgangp is ∓ the mean", () => {
      const logits = tf.tensor1d([-2, 0, 3]);
      const bce = (x: number, z: number) =>
        -(z * Math.log(1 / (1 + Math.exp(-x))) + (1 - z) * Math.log(1 - 1 / (1 + Math.exp(-x))));
      const mean = (f: (x: number) => number) => [-2, 0, 3].map(f).reduce((a, b) => a + b) / 3;
      assert.ok(Math.abs(value(ganLoss("vanilla", logits, true)) - mean((x) => bce(x, 1))) < 1e-6);
      assert.ok(Math.abs(value(ganLoss("vanilla", logits, false)) - mean((x) => bce(x, 0))) < 1e-6);
      assert.ok(Math.abs(value(ganLoss("lsgan", logits, true)) - mean((x) => (x - 1) ** 2)) < 1e-6);
      assert.ok(Math.abs(value(ganLoss("lsgan", logits, false)) - mean((x) => x ** 2)) < 1e-6);
      assert.ok(Math.abs(value(ganLoss("wgangp", logits, true)) + 1 / 3) < 1e-6);
      assert.ok(Math.abs(value(ganLoss("wgangp", logits, false)) - 1 / 3) < 1e-6);
      const extreme = tf.tensor1d([-200, 200]);
      assert.ok(Math.abs(value(ganLoss("vanilla", extreme, true)) - 100) < 1e-3);
      assert.ok(Math.abs(value(ganLoss("vanilla", extreme, false)) - 100) < 1e-3);
    });

    test("pix2pix losses, their gradients and the WGAN-GP penalty match PyTorch (unet_128 G, basic D)", async () => {
      const expected = await readSafetensors(path.join(PARITY_FIXTURES, "gradients.expected.safetensors"));
      const want = (key: string) => {
        const t = expected.tensors.get(key);
        assert.ok(t, `fixture has ${key}`);
        return t.data as Float32Array;
      };
      const init = { initType: "normal", initGain: 0.02 } as const;
      const g = createGenerator(
        { netG: "unet_128", ngf: 8, norm: "batch", dropout: false, inputNc: 3, outputNc: 3, ...init },
        Rng.fromSeed(1),
      );
      const dConfig = { netD: "basic", ndf: 8, nLayersD: 3, norm: "batch", inputNc: 6, ...init } as const;
      // The losses run D with the fused batch norm where the backend has it; the penalty, which
      // differentiates D twice, runs a second-order D (op-by-op batch norm) with the same weights.
      const d = createDiscriminator(dConfig, Rng.fromSeed(1));
      const dSecondOrder = createDiscriminator({ ...dConfig, secondOrder: true }, Rng.fromSeed(1));
      fillFromPattern(g);
      fillFromPattern(d);
      fillFromPattern(dSecondOrder);
      const rng = Rng.fromSeed(0);
      const a = nhwc([1, 3, 128, 128], 2);
      const b = nhwc([1, 3, 128, 128], 3);
      const torchGrad = (v: tf.Tensor) =>
        tfjsToTorch({ shape: v.shape, data: v.dataSync() as Float32Array }).data;
      const withA = (x: tf.Tensor4D) => tf.concat([a, x], 3);

      const fake = g.apply(a, "train", rng);
      const dVars = [...d.params.values()];
      const lossD = tf.variableGrads(() => {
        const lossFake = ganLoss("vanilla", d.apply(withA(fake), "train", rng), false);
        const lossReal = ganLoss("vanilla", d.apply(withA(b), "train", rng), true);
        return tf.mul(tf.add(lossFake, lossReal), 0.5) as tf.Scalar;
      }, dVars);
      assertClose(lossD.value.dataSync(), want("loss_D"), 1e-4, "loss_D");
      for (const [key, v] of d.params)
        assertClose(torchGrad(lossD.grads[v.name] as tf.Tensor), want(`grad_D.${key}`), 1e-4, `dD/${key}`);

      const gKeys = [...expected.tensors.keys()]
        .filter((k) => k.startsWith("grad_G."))
        .map((k) => k.slice(7));
      const lossG = tf.variableGrads(
        () => {
          const out = g.apply(a, "train", rng);
          const gan = ganLoss("vanilla", d.apply(withA(out), "train", rng), true);
          return tf.add(gan, tf.mul(tf.mean(tf.abs(tf.sub(out, b))), 100)) as tf.Scalar;
        },
        gKeys.map((k) => param(g, k)),
      );
      assertClose(lossG.value.dataSync(), want("loss_G"), 1e-4, "loss_G");
      for (const key of gKeys) {
        assertClose(
          torchGrad(lossG.grads[param(g, key).name] as tf.Tensor),
          want(`grad_G.${key}`),
          1e-4,
          `dG/${key}`,
        );
      }

      const lsgan = tf.mul(
        tf.add(
          ganLoss("lsgan", d.apply(withA(fake), "train", rng), false),
          ganLoss("lsgan", d.apply(withA(b), "train", rng), true),
        ),
        0.5,
      );
      assertClose(lsgan.dataSync(), want("lsgan_D"), 1e-4, "lsgan D loss");

      const gpKeys = ["model.0.weight", "model.3.weight"];
      const gp = tf.variableGrads(
        () =>
          gradientPenalty(dSecondOrder, withA(b) as tf.Tensor4D, withA(fake) as tf.Tensor4D, Rng.fromSeed(5)),
        gpKeys.map((k) => param(dSecondOrder, k)),
      );
      assertClose(gp.value.dataSync(), want("gp"), 1e-4, "gradient penalty");
      for (const key of gpKeys) {
        assertClose(
          torchGrad(gp.grads[param(dSecondOrder, key).name] as tf.Tensor),
          want(`gp_grad.${key}`),
          1e-4,
          `dGP/${key}`,
        );
      }
      g.dispose();
      d.dispose();
      dSecondOrder.dispose();
    });

    test("a ResNet generator's L1 gradients match PyTorch (reflection padding, instance norm, output_padding)", async () => {
      const expected = await readSafetensors(path.join(PARITY_FIXTURES, "gradients.expected.safetensors"));
      const r = createGenerator(
        {
          netG: "resnet_6blocks",
          ngf: 8,
          norm: "instance",
          dropout: false,
          inputNc: 3,
          outputNc: 2,
          initType: "normal",
          initGain: 0.02,
        },
        Rng.fromSeed(1),
      );
      fillFromPattern(r);
      const keys = [...expected.tensors.keys()].filter((k) => k.startsWith("grad_R.")).map((k) => k.slice(7));
      const x = nhwc([2, 3, 16, 16], 1);
      const target = nhwc([2, 2, 16, 16], 4);
      const loss = tf.variableGrads(
        () => tf.mean(tf.abs(tf.sub(r.apply(x, "train", Rng.fromSeed(0)), target))) as tf.Scalar,
        keys.map((k) => param(r, k)),
      );
      assertClose(loss.value.dataSync(), expected.tensors.get("loss_R")?.data as Float32Array, 1e-4, "loss");
      for (const key of keys) {
        const grad = loss.grads[param(r, key).name] as tf.Tensor;
        const torch = tfjsToTorch({ shape: grad.shape, data: grad.dataSync() as Float32Array }).data;
        assertClose(torch, expected.tensors.get(`grad_R.${key}`)?.data as Float32Array, 1e-4, `dR/${key}`);
      }
      r.dispose();
    });
  });
}
