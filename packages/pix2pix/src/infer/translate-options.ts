/** `pix2pix translate`'s options: the generator file and its architecture, sizes and test mode. */
import { datasetOptions } from "../data/options.ts";
import { generatorOptions } from "../models/options.ts";
import { backendOption, seedOption } from "../options/common.ts";
import { type OptionValues, option } from "../options/schema.ts";

export const translateOptions = {
  model: option.required("generator weights: .safetensors, a reference .pth, or a run folder", "file"),
  output: option.required("the image to write (.png, .jpg, .webp)", "file", "o"),
  "load-size": option.int(
    256,
    "resize the input to this square size (rounded to a size the generator takes)",
    {
      min: 1,
    },
  ),
  "original-size": option.flag(
    "write the output at the input image's size (bicubic); default: the network's size, as the reference",
  ),
  eval: option.flag(
    "running BN statistics and no dropout (the reference's --eval); default: the paper's test mode",
  ),
  ...generatorOptions,
  "input-nc": datasetOptions["input-nc"],
  "output-nc": datasetOptions["output-nc"],
  ...seedOption,
  ...backendOption,
} as const;

export type TranslateOptions = OptionValues<typeof translateOptions>;
