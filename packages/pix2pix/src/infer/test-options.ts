/** `pix2pix test`'s options: the run, its generator and dataset, and the reference's test options. */
import { datasetOptions } from "../data/options.ts";
import { generatorOptions } from "../models/options.ts";
import { backendOption, runOptions, seedOption } from "../options/common.ts";
import { type OptionValues, option } from "../options/schema.ts";

export const testOptions = {
  ...runOptions,
  ...generatorOptions,
  ...datasetOptions,
  phase: option.string("test", "sub-folder of the dataroot to evaluate (test, val, ...)", "name"),
  epoch: option.string("latest", "which checkpoint: latest or an epoch number", "tag"),
  "results-dir": option.string("./results", "results go to <results-dir>/<name>/test_<epoch>/", "dir"),
  "num-test": option.int(50, "evaluate at most this many pairs", { min: 1 }),
  "self-contained": option.flag(
    "the results page carries its images inline (one file to share); the image files are written too",
  ),
  eval: option.flag(
    "running BN statistics and no dropout (the reference's --eval); default: the paper's test time",
  ),
  ...seedOption,
  ...backendOption,
} as const;

export type TestOptions = OptionValues<typeof testOptions>;
