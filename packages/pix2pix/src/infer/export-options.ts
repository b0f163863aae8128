/**
 * `pix2pix export`'s options: the generator, the file to write and its format. The architecture is read
 * from the weights; options that describe it are checked against them (and --no-dropout, which weights
 * cannot show, places a reference ResNet's layers).
 */
import { datasetOptions } from "../data/options.ts";
import { generatorOptions } from "../models/options.ts";
import { type OptionValues, option } from "../options/schema.ts";

export const EXPORT_FORMATS = ["onnx", "safetensors", "pth"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const exportOptions = {
  model: option.required(
    "generator weights: .safetensors, a reference .pth, a .pict, or a run folder",
    "file",
  ),
  output: option.required("the file to write (.onnx, .safetensors or .pth)", "file", "o"),
  format: option.string(
    undefined,
    "onnx (eval mode), safetensors (ours, with the architecture) or pth (the reference's torch.load); default: the output's extension",
    "format",
  ),
  ...generatorOptions,
  "input-nc": datasetOptions["input-nc"],
  "output-nc": datasetOptions["output-nc"],
} as const;

export type ExportOptions = OptionValues<typeof exportOptions>;
