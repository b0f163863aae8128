/**
 * The data options shared by `train` and `test`, with the reference implementation's names and defaults
 * (kebab-cased). Nothing here needs Node.
 */
import { type OptionValues, option } from "../options/schema.ts";

export const DATASET_MODES = ["aligned", "folders", "synthetic"] as const;
export type DatasetMode = (typeof DATASET_MODES)[number];

export const PREPROCESS_MODES = [
  "resize_and_crop",
  "resize",
  "crop",
  "scale_width",
  "scale_width_and_crop",
  "none",
] as const;
export type Preprocess = (typeof PREPROCESS_MODES)[number];

/** Which pairs, and how they are loaded: what training and testing share. */
export const datasetOptions = {
  dataroot: option.string(
    undefined,
    "dataset folder, with train/ val/ test/ sub-folders as the official archives have them",
    "dir",
  ),
  "dataset-mode": option.enum(
    DATASET_MODES,
    "aligned",
    "aligned: A|B side by side in one image; folders: A/ and B/ paired by file name; synthetic: built-in generated facades, no files",
  ),
  direction: option.enum(["AtoB", "BtoA"], "AtoB", "which side is the input: AtoB translates A into B"),
  phase: option.string("train", "sub-folder of the dataroot to read (train, val, test, ...)", "name"),
  "input-nc": option.int(3, "channels of the input images: 3 (RGB) or 1 (grayscale)", { min: 1, max: 3 }),
  "output-nc": option.int(3, "channels of the output images: 3 (RGB) or 1 (grayscale)", { min: 1, max: 3 }),
  preprocess: option.enum(
    PREPROCESS_MODES,
    "resize_and_crop",
    "how images are scaled and cropped at load time",
  ),
  "load-size": option.int(286, "scale images to this size (resize and scale_width modes)", { min: 1 }),
  "crop-size": option.int(256, "then crop to this size (crop modes)", { min: 1 }),
  "num-threads": option.int(
    4,
    "worker threads that decode images, at most one per core (0: decode on the main thread)",
    {
      min: 0,
      max: 64,
    },
  ),
  "skip-bad": option.flag("skip unreadable or malformed images (listed at the end) instead of stopping"),
  "synthetic-count": option.int(200, "pairs per epoch of the synthetic dataset", { min: 1 }),
} as const;

/** How training draws from the pairs. */
export const samplingOptions = {
  "no-flip": option.flag("do not flip the images horizontally for data augmentation"),
  "serial-batches": option.flag("take images in order instead of shuffling them each epoch"),
  "max-dataset-size": option.int(0, "use at most this many pairs (0: all of them)", { min: 0 }),
} as const;

export const dataOptions = { ...datasetOptions, ...samplingOptions } as const;

export type DataOptions = OptionValues<typeof dataOptions>;
