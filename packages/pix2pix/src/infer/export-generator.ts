/**
 * `pix2pix export` as a library call: a generator (a safetensors file, a reference .pth or a run
 * folder) written as an ONNX file in eval mode (infer/onnx-export.ts says what the graph holds).
 */
// Exporting computes nothing: tfjs only holds the weights, on whatever backend is active, else on cpu.
import "@tensorflow/tfjs-backend-cpu";
import { writeFileAtomic } from "../io/atomic-file.ts";
import { resolveOptions } from "../options/schema.ts";
import { type ExportOptions, exportOptions } from "./export-options.ts";
import { openGenerator, type ResolvedGenerator } from "./generator-file.ts";
import { generatorToOnnx } from "./onnx-export.ts";

export interface ExportResult {
  readonly output: string;
  /** The weights file the generator came from (a run folder's latest generator). */
  readonly source: string;
  readonly bytes: number;
  readonly architecture: ResolvedGenerator;
}

export async function exportGenerator(given: Partial<ExportOptions>): Promise<ExportResult> {
  const o = resolveOptions(exportOptions, given);
  const { netG, ngf, norm, noDropout, inputNc, outputNc } = given;
  const requested = { netG, ngf, norm, inputNc, outputNc, ...(noDropout && { noDropout }) };
  const { network, architecture, file } = await openGenerator(o.model, requested);
  try {
    const bytes = generatorToOnnx(network, architecture);
    await writeFileAtomic(o.output, bytes);
    return { output: o.output, source: file, bytes: bytes.length, architecture };
  } finally {
    network.dispose();
  }
}
