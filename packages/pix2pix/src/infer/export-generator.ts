/**
 * `pix2pix export` as a library call: a generator (a safetensors file, a reference .pth, a .pict or a
 * run folder) written as an ONNX graph in eval mode (infer/onnx-export.ts says what it holds), as our
 * safetensors with the architecture in its metadata (loads with no flags), or as a `.pth` state dict
 * that the reference loads with `torch.load(weights_only=True)`.
 */
// Exporting computes nothing: tfjs only holds the weights, on whatever backend is active, else on cpu.
import "@tensorflow/tfjs-backend-cpu";
import path from "node:path";
import { UserError } from "../errors.ts";
import { writeFileAtomic } from "../io/atomic-file.ts";
import { encodePth } from "../io/pth-write.ts";
import { encodeSafetensors } from "../io/safetensors-codec.ts";
import { networkStateDict } from "../io/state-dict.ts";
import type { Network } from "../nn/network.ts";
import { resolveOptions } from "../options/schema.ts";
import { EXPORT_FORMATS, type ExportFormat, type ExportOptions, exportOptions } from "./export-options.ts";
import { openGenerator, type ResolvedGenerator } from "./generator-file.ts";
import { generatorToOnnx } from "./onnx-export.ts";

export interface ExportResult {
  readonly output: string;
  readonly format: ExportFormat;
  /** The weights file the generator came from (a run folder's latest generator). */
  readonly source: string;
  readonly bytes: number;
  readonly architecture: ResolvedGenerator;
}

function isFormat(value: string): value is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(value);
}

/** --format, else the output's extension (.pt is a .pth). */
export function exportFormat(format: string | undefined, output: string): ExportFormat {
  if (format !== undefined) {
    if (isFormat(format)) return format;
    throw new UserError(`--format ${format} is not one of ${EXPORT_FORMATS.join(", ")}`);
  }
  const extension = path.extname(output).slice(1).toLowerCase();
  const implied = extension === "pt" ? "pth" : extension;
  if (isFormat(implied)) return implied;
  throw new UserError(
    `cannot tell the format of ${output} from its extension`,
    `give --format (${EXPORT_FORMATS.join(", ")}) or end the file in .onnx, .safetensors or .pth`,
  );
}

/** The architecture as safetensors metadata: what openGenerator reads back, dropout included. */
function architectureMetadata(a: ResolvedGenerator, source: string): Record<string, string> {
  const { netG, ngf, norm, noDropout, inputNc, outputNc } = a;
  const fields = { netG, ngf, norm, noDropout, inputNc, outputNc };
  return {
    ...Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)])),
    source: path.basename(source),
  };
}

function encode(
  format: ExportFormat,
  network: Network,
  architecture: ResolvedGenerator,
  source: string,
  output: string,
) {
  switch (format) {
    case "onnx":
      return generatorToOnnx(network, architecture);
    case "safetensors":
      return encodeSafetensors(networkStateDict(network), architectureMetadata(architecture, source));
    case "pth":
      // torch.save names the archive's folder after the file
      return encodePth(
        networkStateDict(network),
        path.parse(output).name.replace(/[^\w.-]/g, "_") || "archive",
      );
  }
}

export async function exportGenerator(given: Partial<ExportOptions>): Promise<ExportResult> {
  const o = resolveOptions(exportOptions, given);
  const format = exportFormat(o.format, o.output);
  const { netG, ngf, norm, noDropout, inputNc, outputNc } = given;
  const requested = { netG, ngf, norm, inputNc, outputNc, ...(noDropout && { noDropout }) };
  const { network, architecture, file } = await openGenerator(o.model, requested);
  try {
    const bytes = encode(format, network, architecture, file, o.output);
    await writeFileAtomic(o.output, bytes);
    return { output: o.output, format, source: file, bytes: bytes.length, architecture };
  } finally {
    network.dispose();
  }
}
