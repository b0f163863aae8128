/** `pix2pix import`'s options: the network the checkpoint holds and its architecture. */
import { datasetOptions } from "../data/options.ts";
import { discriminatorOptions, generatorOptions } from "../models/options.ts";
import { type OptionValues, option } from "../options/schema.ts";

export const importOptions = {
  output: option.string(
    undefined,
    "the safetensors file to write (default: FILE with .safetensors)",
    "file",
    "o",
  ),
  net: option.enum(["G", "D"], "G", "which network the checkpoint holds: G (latest_net_G.pth) or D"),
  ...generatorOptions,
  ...discriminatorOptions,
  "input-nc": datasetOptions["input-nc"],
  "output-nc": datasetOptions["output-nc"],
} as const;

export type ImportOptions = OptionValues<typeof importOptions>;
