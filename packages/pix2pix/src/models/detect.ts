/**
 * A generator's architecture read from its weights alone, so that a dropped file (the studio) loads
 * without the user naming netG, ngf or norm. Everything but dropout shows in the state dict: the key
 * pattern says U-Net or ResNet, the first conv's shape gives ngf and input channels, the depth or the
 * block count picks the variant, and the convs' biases and BN buffers the norm (the reference gives
 * convs a bias only under instance norm). Dropout has no weights: a file's metadata may say
 * `noDropout`, else the reference's default (dropout on) holds. Browser-safe.
 */
import { UserError } from "../errors.ts";
import type { HostTensor } from "../io/safetensors-codec.ts";
import type { NormName } from "../nn/layers.ts";
import type { GeneratorName, GeneratorOptions } from "./options.ts";

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
  const looksLikeD = weights.has("model.0.weight");
  throw new UserError(
    `${source} is not a pix2pix generator: it has neither a U-Net's nor a ResNet's first layer`,
    looksLikeD
      ? "it looks like a discriminator (latest_net_D): give the generator (latest_net_G)"
      : "give a generator's weights: a .safetensors we wrote or a reference latest_net_G.pth",
  );
}
