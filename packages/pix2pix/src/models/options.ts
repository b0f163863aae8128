/**
 * The network options shared by train, test, translate and import, with the reference's pix2pix
 * defaults (its pix2pix model sets netG unet_256 and norm batch). Browser-safe.
 */
import { INITS } from "../nn/init.ts";
import { NORMS } from "../nn/layers.ts";
import { type OptionValues, option } from "../options/schema.ts";

/** unet_256_tf: pix2pix-tensorflow's generator (its .pict files), models/unet-tf.ts. */
export const GENERATORS = [
  "unet_256",
  "unet_128",
  "resnet_9blocks",
  "resnet_6blocks",
  "unet_256_tf",
] as const;
export type GeneratorName = (typeof GENERATORS)[number];
export const DISCRIMINATORS = ["basic", "n_layers", "pixel", "keras"] as const;
export type DiscriminatorName = (typeof DISCRIMINATORS)[number];

/** What a generator is: enough to build one (and to load its weights). */
export const generatorOptions = {
  netG: option.enum(GENERATORS, "unet_256", "generator architecture"),
  ngf: option.int(64, "generator filters in the last conv layer", { min: 1 }),
  norm: option.enum(NORMS, "batch", "normalization layer (of D too)"),
  "no-dropout": option.flag("no dropout in the generator"),
} as const;

export const discriminatorOptions = {
  netD: option.enum(
    DISCRIMINATORS,
    "basic",
    "discriminator: basic = 70×70 PatchGAN, n_layers = PatchGAN with --n-layers-D, pixel = 1×1, keras = the TF tutorial's",
  ),
  "n-layers-D": option.int(3, "conv layers of the n_layers discriminator (1: 16×16 patch, 5: 286×286)", {
    min: 1,
    max: 8,
  }),
  ndf: option.int(64, "discriminator filters in the first conv layer", { min: 1 }),
  "unconditional-D": option.flag(
    "D sees only the output image, not the input too (the paper's unconditional GAN ablation)",
  ),
} as const;

/** How new weights are drawn: only training from scratch needs these. */
export const initOptions = {
  "init-type": option.enum(INITS, "normal", "weight initialization"),
  "init-gain": option.float(0.02, "scale of the normal, xavier and orthogonal initializations", { min: 0 }),
} as const;

export const modelOptions = { ...generatorOptions, ...discriminatorOptions, ...initOptions } as const;

export type GeneratorOptions = OptionValues<typeof generatorOptions>;
export type DiscriminatorOptions = OptionValues<typeof discriminatorOptions>;
export type InitOptions = OptionValues<typeof initOptions>;
export type ModelOptions = OptionValues<typeof modelOptions>;
