/**
 * `pix2pix translate`'s options: the generator file, sizes and test mode. The architecture options are
 * read from the weights when left out, and checked against them when given.
 */
import { datasetOptions } from "../data/options.ts";
import { generatorOptions } from "../models/options.ts";
import { backendOption, seedOption } from "../options/common.ts";
import { type OptionValues, option } from "../options/schema.ts";

export const translateOptions = {
  model: option.required("generator weights: .safetensors, a reference .pth, or a run folder", "file"),
  output: option.required("the image to write (.png, .jpg, .webp)", "file", "o"),
  "load-size": option.int(
    256,
    "resize the input to this square size (rounded to a size the generator takes; a run folder's own crop size when left out)",
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
  // The architecture is read from the weights; these, when given, must agree with them.
  ...generatorOptions,
  "input-nc": datasetOptions["input-nc"],
  "output-nc": datasetOptions["output-nc"],
  ...seedOption,
  ...backendOption,
} as const;

export type TranslateOptions = OptionValues<typeof translateOptions>;
