/**
 * `pix2pix import` as a library call: a reference PyTorch checkpoint (.pth) or a pix2pix-tensorflow /
 * ml5.js .pict to a safetensors file that carries its architecture in its metadata. Both networks'
 * architectures are read from their weights (models/detect.ts); options given must agree with them.
 */
import path from "node:path";
import { useBackend } from "../backend.ts";
import { UserError } from "../errors.ts";
import { saveNetwork } from "../io/network-file.ts";
import type { StateDict } from "../io/safetensors-codec.ts";
import { dropInstanceNormStats, loadNetworkStateDict } from "../io/state-dict.ts";
import { type DetectedDiscriminator, detectDiscriminator } from "../models/detect.ts";
import {
  createDiscriminator,
  createGenerator,
  type DiscriminatorConfig,
  discriminatorConfig,
  generatorConfig,
} from "../models/index.ts";
import type { Network } from "../nn/network.ts";
import { resolveOptions } from "../options/schema.ts";
import { readWeightsFile, resolveArchitecture } from "./generator-file.ts";
import { type ImportOptions, importOptions } from "./import-options.ts";

export interface ImportResult {
  readonly output: string;
  readonly tensors: number;
  readonly parameters: number;
  /** Instance-norm running statistics left out (PyTorch < 0.4 checkpoints have them). */
  readonly droppedKeys: readonly string[];
  /** What the file was read as: the generator's netG, or the discriminator's netD. */
  readonly network: string;
}

const SOURCES = /\.(pth?|pict)$/i;

/** A discriminator as the flags that describe it, for messages. */
function asFlags(d: DetectedDiscriminator): string {
  const layers = d.netD === "n_layers" ? ` --n-layers-D ${d.nLayersD}` : "";
  return `--netD ${d.netD}${layers} --ndf ${d.ndf} --norm ${d.norm}, ${d.channels} input channels`;
}

/** The channels D sees by the flags, when any of them is given. */
function requestedChannels(given: Partial<ImportOptions>): number | undefined {
  const { inputNc, outputNc, unconditionalD } = given;
  if (inputNc === undefined && outputNc === undefined && unconditionalD === undefined) return undefined;
  const o = outputNc ?? 3;
  return unconditionalD ? o : (inputNc ?? 3) + o;
}

/**
 * The discriminator the weights hold, with the flags given checked against it. keras and n_layers 4
 * have the same weights: --netD keras says which it is.
 */
export function resolveDiscriminator(
  dict: StateDict,
  metadata: Readonly<Record<string, string>>,
  source: string,
  given: Partial<ImportOptions>,
): DetectedDiscriminator {
  const found = detectDiscriminator(dict, given.netD === "keras" ? { netD: "keras" } : metadata, source);
  const contradiction = (flag: string) =>
    new UserError(
      `${flag} contradicts the weights in ${source}, which hold ${asFlags(found)}`,
      "leave the discriminator's flags out: its architecture is read from the weights",
    );
  const layers = found.netD === "pixel" ? undefined : found.nLayersD;
  if (given.netD !== undefined) {
    const fits =
      given.netD === found.netD ||
      (given.netD === "n_layers" && found.netD === "basic") ||
      (given.netD === "basic" && found.netD === "n_layers" && found.nLayersD === 3);
    if (!fits) throw contradiction(`--netD ${given.netD}`);
  }
  if (given.nLayersD !== undefined && given.nLayersD !== layers && given.netD !== "basic") {
    throw contradiction(`--n-layers-D ${given.nLayersD}`);
  }
  if (given.ndf !== undefined && given.ndf !== found.ndf) throw contradiction(`--ndf ${given.ndf}`);
  if (given.norm !== undefined && given.norm !== found.norm) throw contradiction(`--norm ${given.norm}`);
  const channels = requestedChannels(given);
  if (channels !== undefined && channels !== found.channels) {
    throw contradiction(`--input-nc/--output-nc/--unconditional-D (${channels} input channels)`);
  }
  return found;
}

/** `metadata` adds to what the file records (a pretrained model's name and direction, say). */
export async function importCheckpoint(
  source: string,
  given: Partial<ImportOptions>,
  metadata: Readonly<Record<string, string>> = {},
): Promise<ImportResult> {
  const o = resolveOptions(importOptions, given);
  if (!SOURCES.test(source)) {
    throw new UserError(
      `${source} does not end in .pth, .pt or .pict`,
      "give the PyTorch checkpoint or the pix2pix-tensorflow .pict to import",
    );
  }
  const pict = /\.pict$/i.test(source);
  if (pict && o.net === "D") {
    throw new UserError(`${source} is a .pict: it holds a generator only`, "leave --net D out");
  }
  const output = o.output ?? source.replace(SOURCES, ".safetensors");
  await useBackend("cpu");
  const file = await readWeightsFile(source);
  const { tensors } = file;
  let net: Network;
  let architecture: Record<string, string | number | boolean>;
  if (o.net === "G") {
    const { netG, ngf, norm, noDropout, inputNc, outputNc } = given;
    const request = { netG, ngf, norm, inputNc, outputNc, ...(noDropout && { noDropout }) };
    // a .pth says nothing of dropout: the reference's default, on, unless --no-dropout; a .pict, off
    const saved = pict ? true : undefined;
    const g = resolveArchitecture(tensors, source, request, saved);
    net = createGenerator(generatorConfig(g, g.inputNc, g.outputNc), null);
    architecture = { ...g };
  } else {
    const d = resolveDiscriminator(tensors, file.metadata, source, given);
    const config: DiscriminatorConfig = { ...discriminatorConfig({ ...o, ...d }, 0, 0), inputNc: d.channels };
    net = createDiscriminator(config, null);
    architecture = { netD: d.netD, ndf: d.ndf, nLayersD: d.nLayersD, norm: d.norm, channels: d.channels };
  }
  try {
    // As the reference's load_networks, only under instance norm (elsewhere they are real mismatches).
    const droppedKeys = architecture.norm === "instance" ? dropInstanceNormStats(tensors, net) : [];
    loadNetworkStateDict(net, tensors, source);
    await saveNetwork(output, net, {
      format: pict ? "pict" : "pt",
      source: path.basename(source),
      ...Object.fromEntries(Object.entries(architecture).map(([k, v]) => [k, String(v)])),
      ...metadata,
    });
    const parameters = [...net.params.values()].reduce((sum, v) => sum + v.size, 0);
    const network = String(architecture.netG ?? architecture.netD);
    return { output, tensors: tensors.size, parameters, droppedKeys, network };
  } finally {
    net.dispose();
  }
}
