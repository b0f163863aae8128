/** `pix2pix test`'s options: the model and data options plus the reference's test options. */
import { BACKEND_CHOICES } from "../backend.ts";
import { dataOptions } from "../data/options.ts";
import { modelOptions } from "../models/options.ts";
import { type OptionValues, option } from "../options/schema.ts";

export const testOptions = {
  ...modelOptions,
  ...dataOptions,
  phase: option.string("test", "sub-folder of the dataroot to evaluate (test, val, ...)", "name"),
  name: option.string("experiment_name", "the run to evaluate: <checkpoints-dir>/<name>"),
  "checkpoints-dir": option.string("./checkpoints", "where runs keep their checkpoints", "dir"),
  epoch: option.string("latest", "which checkpoint: latest or an epoch number", "tag"),
  "results-dir": option.string("./results", "results go to <results-dir>/<name>/test_<epoch>/", "dir"),
  "num-test": option.int(50, "evaluate at most this many pairs", { min: 1 }),
  "self-contained": option.flag(
    "the results page carries its images inline (one file to share); the image files are written too",
  ),
  eval: option.flag(
    "running BN statistics and no dropout (the reference's --eval); default: the paper's test time",
  ),
  seed: option.int(0, "seed of crops and dropout masks", { min: 0 }),
  backend: option.enum(BACKEND_CHOICES, "auto", "tfjs backend (auto: the fastest available)"),
} as const;

export type TestOptions = OptionValues<typeof testOptions>;
