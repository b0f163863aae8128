/**
 * `pix2pix translate` as a library call: one image file through a generator (a safetensors file we
 * wrote, a reference .pth, or a run folder), written as an image file. The generator's architecture
 * comes from its weights (infer/generator-file.ts): options that describe it are checked, not needed.
 */
import { type BackendName, useBackend } from "../backend.ts";
import { UserError } from "../errors.ts";
import { type ImagePixels, imageSize, readImage, writeImage } from "../io/images.ts";
import { generatorSizeMultiple } from "../models/index.ts";
import { resolveOptions } from "../options/schema.ts";
import { openGenerator, type ResolvedGenerator } from "./generator-file.ts";
import { type TranslateOptions, translateOptions } from "./translate-options.ts";
import { translatePixels } from "./translate-pixels.ts";

export interface TranslateResult {
  readonly output: string;
  readonly width: number;
  readonly height: number;
  /** The square size the network ran at (the load size rounded to what the generator takes). */
  readonly networkSize: number;
  readonly backend: BackendName;
  /** Time of the forward pass and the write. */
  readonly milliseconds: number;
  /** The generator as its weights (and the options given) describe it. */
  readonly architecture: ResolvedGenerator;
}

function imageChannels(flag: string, value: number): 1 | 3 {
  if (value !== 1 && value !== 3)
    throw new UserError(`--${flag} must be 1 or 3 to read or write images, got ${value}`);
  return value;
}

/** The load size rounded to a multiple the generator takes (U-Nets halve it 7 or 8 times). */
export function networkSize(o: Pick<TranslateOptions, "netG" | "loadSize">): number {
  const multiple = generatorSizeMultiple(o.netG);
  return Math.max(multiple, Math.round(o.loadSize / multiple) * multiple);
}

export async function translateImage(
  input: string,
  given: Partial<TranslateOptions>,
): Promise<TranslateResult> {
  const o = resolveOptions(translateOptions, given);
  const backend = await useBackend(o.backend);
  const { netG, ngf, norm, noDropout, inputNc, outputNc } = given;
  const requested = { netG, ngf, norm, inputNc, outputNc, ...(noDropout && { noDropout }) };
  const { network: g, architecture, trainedSize } = await openGenerator(o.model, requested);
  try {
    const inChannels = imageChannels("input-nc", architecture.inputNc);
    imageChannels("output-nc", architecture.outputNc); // written as an image too
    const size = networkSize({
      netG: architecture.netG,
      loadSize: given.loadSize ?? trainedSize ?? o.loadSize,
    });
    const image = await readImage(input, inChannels, { height: size, width: size });
    const outputSize = o.originalSize ? await imageSize(input) : { width: size, height: size };
    const started = performance.now();
    const [output] = await translatePixels(g, [image], o.eval ? "eval" : "test", o.seed);
    await writeImage(o.output, output as ImagePixels, outputSize);
    const milliseconds = Math.round(performance.now() - started);
    return { output: o.output, ...outputSize, networkSize: size, backend, milliseconds, architecture };
  } finally {
    g.dispose();
  }
}
