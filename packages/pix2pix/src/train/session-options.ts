/**
 * What a training session takes, browser-safe: the model and data options shared with other commands,
 * plus the reference implementation's training options with its pix2pix defaults (kebab-cased). The
 * CLI's `pix2pix train` adds the run's folder, the seed and the backend (options.ts).
 */
import { dataOptions } from "../data/options.ts";
import { modelOptions } from "../models/options.ts";
import { type OptionValues, option } from "../options/schema.ts";
import { PLATEAU_METRICS } from "./lr-schedule.ts";

export const trainOnlyOptions = {
  "gan-mode": option.enum(["vanilla", "lsgan", "wgangp"], "vanilla", "GAN objective"),
  "lambda-L1": option.float(100, "weight of the L1 loss", { min: 0 }),
  lr: option.float(0.0002, "initial learning rate of Adam", { min: 0 }),
  beta1: option.float(0.5, "momentum term of Adam", { min: 0, max: 0.999999 }),
  "batch-size": option.int(1, "input batch size", { min: 1 }),
  "n-epochs": option.int(100, "epochs at the initial learning rate", { min: 0 }),
  "n-epochs-decay": option.int(100, "epochs to decay the learning rate linearly to zero", { min: 0 }),
  "epoch-count": option.int(1, "number of the first epoch (the reference's epoch count)", { min: 1 }),
  "lr-policy": option.enum(["linear", "step", "plateau", "cosine"], "linear", "learning-rate policy"),
  "plateau-metric": option.enum(
    PLATEAU_METRICS,
    "none",
    "what --lr-policy plateau watches: none, as the reference's pix2pix (its rate drops 5x every 6 epochs), or G_L1 (the epoch's mean L1 loss)",
  ),
  "lr-decay-iters": option.int(50, "step policy: multiply by 0.1 every this many epochs", { min: 1 }),
  "save-epoch-freq": option.int(5, "keep a checkpoint every this many epochs", { min: 1 }),
  "save-latest-freq": option.int(5000, "save the latest checkpoint every this many training images", {
    min: 1,
  }),
  "print-freq": option.int(100, "print a progress line every this many steps (without a terminal)", {
    min: 1,
  }),
  "display-freq": option.int(400, "refresh the report's images every this many steps", { min: 1 }),
  continue: option.flag("resume the run <name> from its checkpoint (see --epoch)"),
  epoch: option.string("latest", "which checkpoint --continue loads: latest or an epoch number", "tag"),
} as const;

/** The options a training session reads; the seed comes beside them (the CLI's is a shared option). */
export const sessionOptions = {
  ...modelOptions,
  ...dataOptions,
  ...trainOnlyOptions,
} as const;

export type SessionOptions = OptionValues<typeof sessionOptions> & { readonly seed: number };
