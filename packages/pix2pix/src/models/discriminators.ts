/**
 * The discriminators: the reference's NLayerDiscriminator (PatchGAN; "basic" is n_layers 3, the 70×70
 * patch) and PixelDiscriminator (1×1 patches, keys `net.N`), and the Keras/TF tutorial's variant.
 * All output raw logits (the GAN loss applies the sigmoid). Browser-safe.
 */

import type { NormName } from "../nn/layers.ts";
import {
  conv2d,
  leakyRelu,
  type Module,
  type NormOptions,
  named,
  norm,
  sequential,
  type VariableStore,
} from "../nn/layers.ts";

export interface PatchConfig {
  readonly inputNc: number;
  readonly ndf: number;
  readonly norm: NormName;
  readonly normOptions: NormOptions;
}

/** n stride-2 and one stride-1 4×4 convs (channel multiplier capped at 8), then a 1-channel 4×4 conv. */
export function nLayerDiscriminator(store: VariableStore, c: PatchConfig, nLayers: number): Module {
  const bias = c.norm === "instance"; // the reference's rule
  const conv4 = (inC: number, outC: number, stride: number, withBias: boolean) =>
    conv2d(store, { inC, outC, kernel: 4, stride, padding: 1, bias: withBias });
  const layers: Module[] = [conv4(c.inputNc, c.ndf, 2, true), leakyRelu];
  let mult = 1;
  for (let n = 1; n <= nLayers; n++) {
    const previous = mult;
    mult = Math.min(2 ** n, 8);
    const stride = n < nLayers ? 2 : 1;
    layers.push(
      conv4(c.ndf * previous, c.ndf * mult, stride, bias),
      norm(store, c.norm, c.ndf * mult, c.normOptions),
      leakyRelu,
    );
  }
  layers.push(conv4(c.ndf * mult, 1, 1, true));
  return named("model", sequential(...layers));
}

export function pixelDiscriminator(store: VariableStore, c: PatchConfig): Module {
  const bias = c.norm === "instance";
  const conv1 = (inC: number, outC: number, withBias: boolean) =>
    conv2d(store, { inC, outC, kernel: 1, stride: 1, padding: 0, bias: withBias });
  return named(
    "net",
    sequential(
      conv1(c.inputNc, c.ndf, true),
      leakyRelu,
      conv1(c.ndf, c.ndf * 2, bias),
      norm(store, c.norm, c.ndf * 2, c.normOptions),
      leakyRelu,
      conv1(c.ndf * 2, 1, bias),
    ),
  );
}

/**
 * The discriminator of the Keras/TF pix2pix tutorial, in its 16×16 form: four stride-2 "same" 4×4 convs
 * (ndf·1, 2, 4, 8; no norm on the first), a stride-1 ndf·8 conv, a stride-1 1-channel conv. Keys follow
 * the same Sequential numbering (`model.N`); there is no PyTorch original to match. Its LeakyReLUs
 * use slope 0.2 like the other discriminators (the tutorial keeps Keras's default, 0.3), and its init
 * and bias rule are ours, so the variant differs from the PatchGAN only in its geometry.
 */
export function kerasDiscriminator(store: VariableStore, c: PatchConfig): Module {
  const bias = c.norm === "instance";
  const conv4 = (inC: number, outC: number, stride: number, withBias: boolean) =>
    conv2d(store, { inC, outC, kernel: 4, stride, padding: "same", bias: withBias });
  const layers: Module[] = [conv4(c.inputNc, c.ndf, 2, true), leakyRelu];
  const widths = [2, 4, 8].map((m) => c.ndf * m);
  let previous = c.ndf;
  for (const width of widths) {
    layers.push(conv4(previous, width, 2, bias), norm(store, c.norm, width, c.normOptions), leakyRelu);
    previous = width;
  }
  layers.push(conv4(previous, previous, 1, bias), norm(store, c.norm, previous, c.normOptions), leakyRelu);
  layers.push(conv4(previous, 1, 1, true));
  return named("model", sequential(...layers));
}
