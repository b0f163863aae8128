/**
 * `pix2pix import` as a library call: a reference PyTorch checkpoint (.pth) to a safetensors file that
 * carries its architecture in its metadata. A generator's architecture is read from its weights; a
 * discriminator is checked key by key and shape by shape against the architecture the options describe.
 */
import path from "node:path";
import { useBackend } from "../backend.ts";
import { UserError } from "../errors.ts";
import { saveNetwork } from "../io/network-file.ts";
import { dropInstanceNormStats, loadNetworkStateDict } from "../io/state-dict.ts";
import { readStateDictFile } from "../io/state-dict-file.ts";
import {
  createDiscriminator,
  createGenerator,
  discriminatorConfig,
  generatorConfig,
} from "../models/index.ts";
import { resolveOptions } from "../options/schema.ts";
import { resolveArchitecture } from "./generator-file.ts";
import { type ImportOptions, importOptions } from "./import-options.ts";

export interface ImportResult {
  readonly output: string;
  readonly tensors: number;
  readonly parameters: number;
  /** Instance-norm running statistics left out (PyTorch < 0.4 checkpoints have them). */
  readonly droppedKeys: readonly string[];
}

/** `metadata` adds to what the file records (a pretrained model's name and direction, say). */
export async function importCheckpoint(
  source: string,
  given: Partial<ImportOptions>,
  metadata: Readonly<Record<string, string>> = {},
): Promise<ImportResult> {
  const o = resolveOptions(importOptions, given);
  if (!/\.pth?$/i.test(source)) {
    throw new UserError(`${source} does not end in .pth or .pt`, "give the PyTorch checkpoint to import");
  }
  const output = o.output ?? source.replace(/\.pth?$/i, ".safetensors");
  await useBackend("cpu");
  const { tensors } = await readStateDictFile(source);
  // A generator's architecture is read from its weights (flags given must agree); a discriminator's from the flags.
  const { netG, ngf, norm, noDropout, inputNc, outputNc } = given;
  const g =
    o.net === "G"
      ? resolveArchitecture(
          tensors,
          source,
          { netG, ngf, norm, inputNc, outputNc, ...(noDropout && { noDropout }) },
          undefined, // a .pth says nothing of dropout: the reference's default, on, unless --no-dropout
        )
      : undefined;
  const net = g
    ? createGenerator(generatorConfig(g, g.inputNc, g.outputNc), null)
    : createDiscriminator(discriminatorConfig(o, o.inputNc, o.outputNc), null);
  try {
    // As the reference's load_networks, only under instance norm (elsewhere they are real mismatches).
    const droppedKeys = (g?.norm ?? o.norm) === "instance" ? dropInstanceNormStats(tensors, net) : [];
    loadNetworkStateDict(net, tensors, source);
    const architecture = Object.fromEntries(
      Object.entries({ ...o, ...g, output: undefined })
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, String(v)]),
    );
    await saveNetwork(output, net, {
      format: "pt",
      source: path.basename(source),
      ...architecture,
      ...metadata,
    });
    const parameters = [...net.params.values()].reduce((sum, v) => sum + v.size, 0);
    return { output, tensors: tensors.size, parameters, droppedKeys };
  } finally {
    net.dispose();
  }
}
