/**
 * A network's architecture read from its weights alone. A generator's, so that a dropped file (the studio) loads
 * without the user naming netG, ngf or norm. Everything but dropout shows in the state dict: the key
 * pattern says U-Net or ResNet, the first conv's shape gives ngf and input channels, the depth or the
 * block count picks the variant, and the convs' biases and BN buffers the norm (the reference gives
 * convs a bias only under instance norm). Dropout has no weights: a file's metadata may say
 * `noDropout`, else the reference's default (dropout on) holds. A discriminator's netD, ndf,
 * n_layers, norm and channels likewise (detectDiscriminator). Browser-safe.
 */
import { UserError } from "../errors.ts";
import type { HostTensor } from "../io/safetensors-codec.ts";
import type { NormName } from "../nn/layers.ts";
import type { DiscriminatorName, GeneratorName, GeneratorOptions } from "./options.ts";

export interface DetectedGenerator extends GeneratorOptions {
  readonly inputNc: number;
  readonly outputNc: number;
}

type Weights = ReadonlyMap<string, Pick<HostTensor, "shape">>;

const UNET_DEPTHS: Readonly<Record<number, GeneratorName>> = { 7: "unet_128", 8: "unet_256" };
const RESNET_BLOCKS: Readonly<Record<number, GeneratorName>> = { 6: "resnet_6blocks", 9: "resnet_9blocks" };

function shapeOf(weights: Weights, key: string, source: string): readonly number[] {
  const shape = weights.get(key)?.shape;
  if (shape?.length !== 4) throw new UserError(`${source}: ${key} is missing or not a conv weight`);
  return shape;
}

function normOf(weights: Weights, convWithBias: string): NormName {
  if (weights.has(convWithBias)) return "instance"; // old instance-norm files may carry stats too
  return [...weights.keys()].some((k) => k.endsWith(".running_mean")) ? "batch" : "none";
}

function unet(weights: Weights, source: string): Omit<DetectedGenerator, "noDropout"> {
  const [ngf = 0, inputNc = 0] = shapeOf(weights, "model.model.0.weight", source);
  // IOHW: the outermost transposed conv maps 2·ngf channels to the output's
  const [, outputNc = 0] = shapeOf(weights, "model.model.3.weight", source);
  const nested = [...weights.keys()].filter((k) =>
    /^model\.model\.1(\.model\.3)*\.model\.1\.weight$/.test(k),
  );
  const depth = 1 + nested.length;
  const netG = UNET_DEPTHS[depth];
  if (!netG) {
    throw new UserError(`${source}: a U-Net with ${depth} downsamplings; unet_128 has 7, unet_256 has 8`);
  }
  return { netG, ngf, norm: normOf(weights, "model.model.1.model.1.bias"), inputNc, outputNc };
}

function resnet(weights: Weights, source: string): Omit<DetectedGenerator, "noDropout"> {
  const [ngf = 0, inputNc = 0] = shapeOf(weights, "model.1.weight", source);
  const blocks = new Set(
    [...weights.keys()].flatMap((k) => /^model\.(\d+)\.conv_block\.1\.weight$/.exec(k)?.[1] ?? []),
  );
  const netG = RESNET_BLOCKS[blocks.size];
  if (!netG) {
    throw new UserError(
      `${source}: a ResNet with ${blocks.size} blocks; resnet_6blocks and resnet_9blocks exist`,
    );
  }
  // the last layer: the 7×7 conv after the blocks and the upsampling (model.23 or model.26)
  const last = `model.${blocks.size + 17}.weight`;
  const [outputNc = 0] = shapeOf(weights, last, source);
  return { netG, ngf, norm: normOf(weights, "model.1.bias"), inputNc, outputNc };
}

/** pix2pix-tensorflow's generator (unet_256_tf): `encoder_N` / `decoder_N` keys, biases everywhere. */
function tensorflowUnet(weights: Weights, source: string): Omit<DetectedGenerator, "noDropout"> {
  const [ngf = 0, inputNc = 0] = shapeOf(weights, "encoder_1.conv.weight", source);
  const [, outputNc = 0] = shapeOf(weights, "decoder_1.deconv.weight", source);
  const depth = [...weights.keys()].filter((k) => /^encoder_\d+\.conv\.weight$/.test(k)).length;
  if (depth !== 8) {
    throw new UserError(`${source}: pix2pix-tensorflow's generator has 8 encoders, these weights ${depth}`);
  }
  return { netG: "unet_256_tf", ngf, norm: "batch", inputNc, outputNc };
}

/**
 * The generator `weights` (a state dict under the reference's keys) belong to. `metadata` (a
 * safetensors file's) may say `noDropout: "true"`. A file that is not a generator is a UserError.
 */
export function detectGenerator(
  weights: Weights,
  metadata: Readonly<Record<string, string>> = {},
  source = "the weights",
): DetectedGenerator {
  const noDropout = metadata.noDropout === "true";
  if (weights.has("model.model.0.weight")) return { ...unet(weights, source), noDropout };
  if (weights.has("model.1.weight")) return { ...resnet(weights, source), noDropout };
  if (weights.has("encoder_1.conv.weight")) {
    // pix2pix-tensorflow's generator runs without dropout (as its browser demo and ml5 ran it) unless
    // a file we wrote says otherwise
    return { ...tensorflowUnet(weights, source), noDropout: metadata.noDropout !== "false" };
  }
  const looksLikeD = weights.has("model.0.weight");
  throw new UserError(
    `${source} is not a pix2pix generator: it has neither a U-Net's nor a ResNet's first layer`,
    looksLikeD
      ? "it looks like a discriminator (latest_net_D): give the generator (latest_net_G)"
      : "give a generator's weights: a .safetensors we wrote or a reference latest_net_G.pth",
  );
}

export interface DetectedDiscriminator {
  readonly netD: DiscriminatorName;
  readonly ndf: number;
  /** The n_layers count (3 for basic); for pixel, the default 3, which pixel does not use. */
  readonly nLayersD: number;
  readonly norm: NormName;
  /** The channels D sees: input + output channels when conditional, the output's alone when not. */
  readonly channels: number;
}

/**
 * The discriminator `weights` (a state dict under the reference's keys) belong to. The keras
 * discriminator has exactly the keys and shapes of n_layers with 4 layers (the same convs, strides
 * and widths; only its "same" padding differs, which weights do not show): such weights read as
 * n_layers 4 unless `metadata` (a file we wrote) says `netD: "keras"`, or the caller says so.
 * n_layers 3 is the reference's basic, and reads as basic.
 */
export function detectDiscriminator(
  weights: Weights,
  metadata: Readonly<Record<string, string>> = {},
  source = "the weights",
): DetectedDiscriminator {
  if (weights.has("net.0.weight")) {
    const [ndf = 0, channels = 0] = shapeOf(weights, "net.0.weight", source);
    return { netD: "pixel", ndf, nLayersD: 3, norm: normOf(weights, "net.2.bias"), channels };
  }
  if (!weights.has("model.0.weight") || weights.has("model.1.weight")) {
    throw new UserError(
      `${source} is not a pix2pix discriminator: it has neither a PatchGAN's nor a pixel discriminator's first layer`,
      weights.has("model.1.weight") || weights.has("model.model.0.weight")
        ? "it looks like a generator (latest_net_G): import it without --net D"
        : "give a discriminator's weights: a reference latest_net_D.pth",
    );
  }
  const [ndf = 0, channels = 0] = shapeOf(weights, "model.0.weight", source);
  const convs = [...weights.keys()].filter(
    (k) => /^model\.\d+\.weight$/.test(k) && weights.get(k)?.shape.length === 4,
  );
  const nLayersD = convs.length - 2; // the first conv, one per layer, the 1-channel last
  const norm = normOf(weights, "model.2.bias");
  if (nLayersD === 3) return { netD: "basic", ndf, nLayersD, norm, channels };
  const keras = nLayersD === 4 && metadata.netD === "keras";
  return { netD: keras ? "keras" : "n_layers", ndf, nLayersD, norm, channels };
}
