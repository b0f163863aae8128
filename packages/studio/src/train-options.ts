/**
 * The options a studio run trains with, from the Train view's few fields: small, quick defaults, the
 * paper's jitter (scale to 286/256 of the size, crop back to it), and a schedule that decays over the
 * second half of the chosen steps. Pure, so the browser test builds the same options for Node.
 */
import { type GeneratorName, type PairTrainingOptions, scheduleForSteps } from "pix2pix-ts";

export interface TrainForm {
  readonly netG: GeneratorName;
  /** The square size the networks train at. */
  readonly size: number;
  readonly ngf: number;
  readonly steps: number;
  readonly lr: number;
  readonly pairCount: number;
}

export const TRAIN_DEFAULTS = { netG: "unet_128", size: 128, ngf: 16, steps: 400, lr: 0.0002 } as const;

/** Log every step (the live curve), refresh the samples and save every this many steps. */
export const SAMPLE_EVERY = 10;
export const SAVE_EVERY = 10;

export function studioTrainOptions(form: TrainForm): PairTrainingOptions {
  return {
    netG: form.netG,
    ngf: form.ngf,
    ndf: form.ngf,
    cropSize: form.size,
    loadSize: Math.round((form.size * 286) / 256),
    lr: form.lr,
    ...scheduleForSteps(form.steps, form.pairCount),
    printFreq: 1,
    displayFreq: SAMPLE_EVERY,
    saveLatestFreq: SAVE_EVERY,
    seed: 0,
  };
}
