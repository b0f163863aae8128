/** Builds the networks by name, as the reference's define_G / define_D do. Browser-safe. */
import type { Rng } from "../random.ts";
import type { Network } from "./network.ts";
import type { DiscriminatorName, GeneratorName, InitName, ModelOptions, NormName } from "./options.ts";

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
}

export function generatorConfig(o: ModelOptions, inputNc: number, outputNc: number): GeneratorConfig {
  return { ...o, dropout: !o.noDropout, inputNc, outputNc };
}

export function discriminatorConfig(o: ModelOptions, inputNc: number, outputNc: number): DiscriminatorConfig {
  return { ...o, inputNc: o.unconditionalD ? outputNc : inputNc + outputNc };
}

export function createGenerator(o: GeneratorConfig, rng: Rng): Network {
  throw new Error(`createGenerator(${o.netG}, ${rng.state()}): being written`);
}

export function createDiscriminator(o: DiscriminatorConfig, rng: Rng): Network {
  throw new Error(`createDiscriminator(${o.netD}, ${rng.state()}): being written`);
}
