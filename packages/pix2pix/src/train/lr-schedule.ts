/**
 * Learning-rate policies of the reference implementation (`--lr-policy`), stepped once per epoch.
 * `linear`, `step`, `cosine` and the reference's `plateau` are pure functions of the epoch; `plateau`
 * watching G_L1 carries state, which a checkpoint saves so that a resumed run decays exactly as the
 * uninterrupted one would have.
 */
export type LrPolicy = "linear" | "step" | "plateau" | "cosine";

/**
 * What `plateau` watches. The reference's pix2pix never sets its metric, so its plateau sees a constant
 * 0 and cuts the rate 5× every 6 epochs (`none`, the default); `G_L1` watches the epoch's mean L1 loss.
 */
export const PLATEAU_METRICS = ["none", "G_L1"] as const;
export type PlateauMetric = (typeof PLATEAU_METRICS)[number];

export interface LrScheduleOptions {
  readonly lrPolicy: LrPolicy;
  /** The initial learning rate (`--lr`). */
  readonly lr: number;
  readonly epochCount: number;
  readonly nEpochs: number;
  readonly nEpochsDecay: number;
  readonly lrDecayIters: number;
  readonly plateauMetric: PlateauMetric;
}

/** What `plateau` remembers between epochs (as PyTorch's ReduceLROnPlateau: mode min, rel threshold). */
export interface PlateauState {
  readonly lr: number;
  readonly best: number;
  readonly badEpochs: number;
}

const PLATEAU = { factor: 0.2, threshold: 0.01, patience: 5, eps: 1e-8 } as const;

/**
 * The learning rate for training epoch `epoch` (numbered from `--epoch-count`) under a stateless policy.
 * The reference steps its PyTorch scheduler at the start of every epoch, before training it, so epoch
 * `epoch` trains at the policy's rate after `epoch − epoch-count + 1` scheduler steps: `linear` (its
 * lambda_rule) keeps `lr` through epoch `n-epochs − 1`, then decays it linearly, to zero in the last
 * epoch (`n-epochs + n-epochs-decay`); `step` and `cosine` run one epoch ahead likewise.
 */
export function scheduledLr(o: LrScheduleOptions, epoch: number): number {
  const steps = epoch - o.epochCount + 1; // scheduler steps taken when epoch `epoch` starts
  switch (o.lrPolicy) {
    case "linear":
      return o.lr * (1 - Math.max(0, steps + o.epochCount - o.nEpochs) / (o.nEpochsDecay + 1));
    case "step":
      return o.lr * 0.1 ** Math.floor(steps / o.lrDecayIters);
    case "cosine":
      return (o.lr * (1 + Math.cos((Math.PI * steps) / o.nEpochs))) / 2;
    case "plateau": {
      if (o.plateauMetric !== "none")
        throw new Error("plateau on G_L1 depends on the loss history: use plateauStep");
      let state = initialPlateau(o.lr);
      for (let i = 0; i < steps; i++) state = plateauStep(state, 0);
      return state.lr;
    }
  }
}

export function initialPlateau(lr: number): PlateauState {
  return { lr, best: Number.POSITIVE_INFINITY, badEpochs: 0 };
}

/** One epoch's end under `plateau`: a metric not 1% below the best for more than 5 epochs cuts lr by 5×. */
export function plateauStep(state: PlateauState, metric: number): PlateauState {
  if (metric < state.best * (1 - PLATEAU.threshold)) return { lr: state.lr, best: metric, badEpochs: 0 };
  const badEpochs = state.badEpochs + 1;
  if (badEpochs <= PLATEAU.patience) return { ...state, badEpochs };
  const reduced = state.lr * PLATEAU.factor;
  const lr = state.lr - reduced > PLATEAU.eps ? reduced : state.lr;
  return { lr, best: state.best, badEpochs: 0 };
}

/** A run's schedule: the learning rate of the epoch being trained, advanced at each epoch's end. */
export class LrSchedule {
  private constructor(
    private readonly options: LrScheduleOptions,
    private plateau: PlateauState | undefined,
  ) {}

  static start(options: LrScheduleOptions): LrSchedule {
    return new LrSchedule(options, watchesLoss(options) ? initialPlateau(options.lr) : undefined);
  }

  /** Restores a schedule saved with `state()`. */
  static resume(options: LrScheduleOptions, plateau: PlateauState | undefined): LrSchedule {
    if (watchesLoss(options) && plateau === undefined) return LrSchedule.start(options);
    return new LrSchedule(options, watchesLoss(options) ? plateau : undefined);
  }

  lrForEpoch(epoch: number): number {
    return this.plateau ? this.plateau.lr : scheduledLr(this.options, epoch);
  }

  /** Called once per finished epoch with that epoch's mean G_L1 (used by `plateau` on G_L1 only). */
  endEpoch(metric: number): void {
    if (this.plateau) this.plateau = plateauStep(this.plateau, metric);
  }

  state(): PlateauState | undefined {
    return this.plateau;
  }
}

function watchesLoss(o: LrScheduleOptions): boolean {
  return o.lrPolicy === "plateau" && o.plateauMetric === "G_L1";
}
