/**
 * A generator from a file or a run folder, built with the architecture its weights hold: a run's saved
 * options, else the file's metadata (files we write carry it), else what the keys and shapes say.
 * Architecture options given explicitly must agree with the weights; a contradiction names both.
 */
import { readFile, stat } from "node:fs/promises";
import { UserError } from "../errors.ts";
import { runFiles, trainOptionsFile } from "../io/run-files.ts";
import type { SafetensorsContent, StateDict } from "../io/safetensors-codec.ts";
import { readStateDictFile } from "../io/state-dict-file.ts";
import { type DetectedGenerator, detectGenerator } from "../models/detect.ts";
import type { GeneratorOptions } from "../models/options.ts";
import type { Network } from "../nn/network.ts";
import { decodeWeightsFile, loadedGenerator } from "./generator-bytes.ts";

/** What a caller may say about the generator; anything left out comes from the weights. */
export type GeneratorRequest = Partial<
  GeneratorOptions & { readonly inputNc: number; readonly outputNc: number }
>;

export type ResolvedGenerator = DetectedGenerator;

export interface OpenedGenerator {
  readonly network: Network;
  readonly architecture: ResolvedGenerator;
  readonly file: string;
  /** The size a run folder's generator was trained at (its crop size), when the model is a run. */
  readonly trainedSize?: number;
}

const CHECKED = ["netG", "ngf", "norm", "inputNc", "outputNc"] as const;
const FLAGS: Readonly<Record<(typeof CHECKED)[number], string>> = {
  netG: "--netG",
  ngf: "--ngf",
  norm: "--norm",
  inputNc: "--input-nc",
  outputNc: "--output-nc",
};

/** A run folder stands for its latest generator, with the run's options beside it. */
async function locate(model: string): Promise<{ file: string; runOptions?: Record<string, unknown> }> {
  const info = await stat(model).catch(() => {
    throw new UserError(
      `model not found: ${model}`,
      "give a .safetensors, .pth or .pict generator file, or a run folder",
    );
  });
  if (!info.isDirectory()) return { file: model };
  const file = runFiles(model, "latest").g;
  const saved = await readFile(trainOptionsFile(model), "utf8").catch(() => undefined);
  return saved === undefined ? { file } : { file, runOptions: JSON.parse(saved) as Record<string, unknown> };
}

/** Dropout, which weights cannot show, as a run's options or a file's metadata state it. */
function statedNoDropout(record: Readonly<Record<string, unknown>>): boolean | undefined {
  return record.noDropout === undefined ? undefined : String(record.noDropout) === "true";
}

function checkAgainst(request: GeneratorRequest, found: DetectedGenerator, file: string): void {
  for (const key of CHECKED) {
    const wanted = request[key];
    if (wanted !== undefined && wanted !== found[key]) {
      throw new UserError(
        `${FLAGS[key]} ${wanted} contradicts the weights in ${file}, which hold ${key === "netG" ? "" : `${FLAGS[key]} `}${found[key]}`,
        `leave ${FLAGS[key]} out: the architecture is read from the weights`,
      );
    }
  }
}

/** The architecture of `dict`: what its weights show, and dropout as requested, saved, or the kind's default. */
export function resolveArchitecture(
  dict: StateDict,
  file: string,
  request: GeneratorRequest,
  savedNoDropout: boolean | undefined,
): ResolvedGenerator {
  const found = detectGenerator(dict, {}, file);
  checkAgainst(request, found, file);
  return { ...found, noDropout: request.noDropout ?? savedNoDropout ?? found.noDropout };
}

/** A weights file's state dict and metadata: safetensors, a reference .pth, or a .pict. */
export async function readWeightsFile(file: string): Promise<SafetensorsContent> {
  if (!/\.pict$/i.test(file)) return readStateDictFile(file);
  const bytes = await readFile(file).catch((error: Error) => {
    throw new UserError(`cannot read ${file}: ${error.message}`);
  });
  return decodeWeightsFile(bytes, file);
}

/** Reads the weights once, resolves the architecture, and returns the loaded generator. */
export async function openGenerator(model: string, request: GeneratorRequest = {}): Promise<OpenedGenerator> {
  const { file, runOptions } = await locate(model);
  const { tensors, metadata } = await readWeightsFile(file);
  const saved = runOptions ?? metadata;
  const architecture = resolveArchitecture(tensors, file, request, statedNoDropout(saved));
  const network = loadedGenerator(tensors, architecture, file);
  const trainedSize = runOptions?.cropSize;
  return { network, architecture, file, ...(typeof trainedSize === "number" && { trainedSize }) };
}
