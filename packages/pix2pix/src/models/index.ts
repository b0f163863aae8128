/** Builds the networks by name, as the reference's define_G / define_D do. Browser-safe. */

import type { InitName } from "../nn/init.ts";
import type { NormName } from "../nn/layers.ts";
import { VariableStore } from "../nn/layers.ts";
import type { Network } from "../nn/network.ts";
import { defaults } from "../options/schema.ts";
import type { Rng } from "../random.ts";
import { kerasDiscriminator, nLayerDiscriminator, pixelDiscriminator } from "./discriminators.ts";
import {
  type DiscriminatorName,
  type DiscriminatorOptions,
  type GeneratorName,
  type GeneratorOptions,
  type InitOptions,
  initOptions,
} from "./options.ts";
import { resnetGenerator } from "./resnet.ts";
import { unetGenerator } from "./unet.ts";
import { tensorflowUnetGenerator } from "./unet-tf.ts";

export interface GeneratorConfig {
  readonly netG: GeneratorName;
  readonly ngf: number;
  readonly norm: NormName;
  readonly dropout: boolean;
  readonly initType: InitName;
  readonly initGain: number;
  readonly inputNc: number;
  readonly outputNc: number;
}

export interface DiscriminatorConfig {
  readonly netD: DiscriminatorName;
  readonly ndf: number;
  readonly nLayersD: number;
  readonly norm: NormName;
  readonly initType: InitName;
  readonly initGain: number;
  /** Channels D sees: inputNc + outputNc when conditional, outputNc alone when not. */
  readonly inputNc: number;
  /**
   * True when D's output gets differentiated twice (WGAN-GP's gradient penalty): its batch norm then
   * runs op by op, which has second derivatives, rather than as the backend's fused kernel, whose
   * gradient has none (differentiating it again fails loudly, never silently).
   */
  readonly secondOrder?: boolean;
}

/** Without init options, the defaults: weights that are loaded next are never drawn. */
type ArchitectureOptions<O> = O & GeneratorOptions & Partial<InitOptions>;

export function generatorConfig(
  o: ArchitectureOptions<object>,
  inputNc: number,
  outputNc: number,
): GeneratorConfig {
  const { netG, ngf, norm, noDropout } = o;
  return { ...initOf(o), netG, ngf, norm, dropout: !noDropout, inputNc, outputNc };
}

export function discriminatorConfig(
  o: ArchitectureOptions<DiscriminatorOptions>,
  inputNc: number,
  outputNc: number,
): DiscriminatorConfig {
  const { netD, ndf, nLayersD, norm, unconditionalD } = o;
  return { ...initOf(o), netD, ndf, nLayersD, norm, inputNc: unconditionalD ? outputNc : inputNc + outputNc };
}

function initOf(o: Partial<InitOptions>): InitOptions {
  const fallback = defaults(initOptions);
  return { initType: o.initType ?? fallback.initType, initGain: o.initGain ?? fallback.initGain };
}

/** `rng` draws the initial weights; null leaves them zero, for a generator whose weights are loaded next. */
export function createGenerator(o: GeneratorConfig, rng: Rng | null): Network {
  const store = new VariableStore(o, rng);
  const common = { ngf: o.ngf, norm: o.norm, dropout: o.dropout, inputNc: o.inputNc, outputNc: o.outputNc };
  switch (o.netG) {
    case "unet_256":
      return store.network(unetGenerator(store, { ...common, numDowns: 8 }));
    case "unet_128":
      return store.network(unetGenerator(store, { ...common, numDowns: 7 }));
    case "resnet_9blocks":
      return store.network(resnetGenerator(store, { ...common, blocks: 9 }));
    case "resnet_6blocks":
      return store.network(resnetGenerator(store, { ...common, blocks: 6 }));
    case "unet_256_tf":
      return store.network(tensorflowUnetGenerator(store, common));
  }
}

/** Input sizes must be multiples of this: 2^num_downs for a U-Net, 4 for a ResNet. */
export function generatorSizeMultiple(netG: GeneratorName): number {
  switch (netG) {
    case "unet_256":
    case "unet_256_tf":
      return 256;
    case "unet_128":
      return 128;
    case "resnet_9blocks":
    case "resnet_6blocks":
      return 4;
  }
}

/** `rng` draws the initial weights; null leaves them zero, for a discriminator whose weights are loaded next. */
export function createDiscriminator(o: DiscriminatorConfig, rng: Rng | null): Network {
  const store = new VariableStore(o, rng);
  const patch = {
    inputNc: o.inputNc,
    ndf: o.ndf,
    norm: o.norm,
    normOptions: { fusedBatchNorm: !(o.secondOrder ?? false) },
  };
  switch (o.netD) {
    case "basic":
      return store.network(nLayerDiscriminator(store, patch, 3));
    case "n_layers":
      return store.network(nLayerDiscriminator(store, patch, o.nLayersD));
    case "pixel":
      return store.network(pixelDiscriminator(store, patch));
    case "keras":
      return store.network(kerasDiscriminator(store, patch));
  }
}
