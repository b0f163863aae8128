/**
 * `pix2pix export`'s options: the generator and the file to write. The architecture is read from the
 * weights; options that describe it are checked against them (and --no-dropout, which weights cannot
 * show, places a reference ResNet's layers).
 */
import { datasetOptions } from "../data/options.ts";
import { generatorOptions } from "../models/options.ts";
import { type OptionValues, option } from "../options/schema.ts";

export const exportOptions = {
  model: option.required("generator weights: .safetensors, a reference .pth, or a run folder", "file"),
  output: option.required("the ONNX file to write (.onnx)", "file", "o"),
  ...generatorOptions,
  "input-nc": datasetOptions["input-nc"],
  "output-nc": datasetOptions["output-nc"],
} as const;

export type ExportOptions = OptionValues<typeof exportOptions>;
