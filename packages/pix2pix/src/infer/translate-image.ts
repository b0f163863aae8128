/**
 * `pix2pix translate` as a library call: one image file through a generator (a safetensors file we
 * wrote, a reference .pth, or a run folder), written as an image file. The generator's architecture
 * comes from its weights (infer/generator-file.ts): options that describe it are checked, not needed.
 */
import { type BackendName, useBackend } from "../backend.ts";
import { generatorSizeMultiple } from "../models/index.ts";
import { resolveOptions } from "../options/schema.ts";
import { type OpenedGenerator, openGenerator, type ResolvedGenerator } from "./generator-file.ts";
import { fileTranslationOptions, translateFile } from "./translate-file.ts";
import { type TranslateOptions, translateOptions } from "./translate-options.ts";

export interface TranslateResult {
  readonly output: string;
  readonly width: number;
  readonly height: number;
  /** The square size the network ran at (the load size rounded to what the generator takes). */
  readonly networkSize: number;
  /** Tiles translated; 0 when the image was scaled to the network's size. */
  readonly tiles: number;
  readonly backend: BackendName;
  /** Time of the read, the forward pass and the write. */
  readonly milliseconds: number;
  /** The generator as its weights (and the options given) describe it. */
  readonly architecture: ResolvedGenerator;
}

/** The load size rounded to a multiple the generator takes (U-Nets halve it 7 or 8 times). */
export function networkSize(o: Pick<TranslateOptions, "netG" | "loadSize">): number {
  const multiple = generatorSizeMultiple(o.netG);
  return Math.max(multiple, Math.round(o.loadSize / multiple) * multiple);
}

/** The generator `model` names, checked against the architecture options given, and its network size. */
export async function openTranslator(
  o: TranslateOptions,
  given: Partial<TranslateOptions>,
): Promise<{ generator: OpenedGenerator; size: number }> {
  const { netG, ngf, norm, noDropout, inputNc, outputNc } = given;
  const requested = { netG, ngf, norm, inputNc, outputNc, ...(noDropout && { noDropout }) };
  const generator = await openGenerator(o.model, requested);
  const size = networkSize({
    netG: generator.architecture.netG,
    loadSize: given.loadSize ?? generator.trainedSize ?? o.loadSize,
  });
  return { generator, size };
}

export async function translateImage(
  input: string,
  given: Partial<TranslateOptions>,
  onTiles?: (done: number, total: number) => void,
): Promise<TranslateResult> {
  const o = resolveOptions(translateOptions, given);
  const backend = await useBackend(o.backend);
  const { generator, size } = await openTranslator(o, given);
  try {
    const started = performance.now();
    const written = await translateFile(generator, input, o.output, fileTranslationOptions(o, size), onTiles);
    const milliseconds = Math.round(performance.now() - started);
    const { architecture } = generator;
    return { output: o.output, ...written, networkSize: size, backend, milliseconds, architecture };
  } finally {
    generator.network.dispose();
  }
}
