/**
 * `pix2pix translate`'s options: the generator file, sizes and test mode. The architecture options are
 * read from the weights when left out, and checked against them when given.
 */
import { datasetOptions } from "../data/options.ts";
import { generatorOptions } from "../models/options.ts";
import { backendOption, seedOption } from "../options/common.ts";
import { type OptionValues, option } from "../options/schema.ts";

export const TILE_CHOICES = ["auto", "on", "off"] as const;
export type TileChoice = (typeof TILE_CHOICES)[number];

export const translateOptions = {
  model: option.required(
    "generator weights: .safetensors, a reference .pth, a pix2pix-tensorflow / ml5.js .pict, or a run folder",
    "file",
  ),
  output: option.required(
    "the image to write (.png, .jpg, .webp) for one input file; the folder to write into for folders, globs or several files",
    "path",
    "o",
  ),
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
  tile: option.enum(
    TILE_CHOICES,
    "auto",
    "translate in overlapping blended tiles of the network's size, output at the input's size (auto: for inputs larger than the network's size when the generator is fully convolutional: a ResNet, or a U-Net with --eval)",
  ),
  "tile-overlap": option.float(0.25, "the fraction of a tile its neighbours share (blended)", {
    min: 0,
    max: 0.5,
  }),
  "tile-scale": option.float(
    1,
    "scale the image by this before cutting tiles, and the output back: give the model the scale it was trained at (e.g. 0.4267 = 256/600 for the maps dataset)",
    { min: 0.01, max: 16 },
  ),
  "batch-size": option.int(1, "images (or tiles) per forward pass; batching never changes an output", {
    min: 1,
  }),
  "num-threads": datasetOptions["num-threads"],
  "skip-existing": option.flag("leave inputs whose output already exists (resume a stopped run)"),
  // The architecture is read from the weights; these, when given, must agree with them.
  ...generatorOptions,
  "input-nc": datasetOptions["input-nc"],
  "output-nc": datasetOptions["output-nc"],
  ...seedOption,
  ...backendOption,
} as const;

export type TranslateOptions = OptionValues<typeof translateOptions>;
