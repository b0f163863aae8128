/**
 * Adam exactly as PyTorch's torch.optim.Adam (no weight decay, not amsgrad): bias-corrected moments,
 * `eps` added after the square root of the corrected second moment. Written here rather than using
 * tf.train.adam so that its whole state — the moments by parameter name and the step count — is plain
 * data a checkpoint saves and restores bit for bit.
 */
import * as tf from "@tensorflow/tfjs-core";
import { fusedAdamUpdate, fusedAdamUpdateInPlace } from "../ops/index.ts";

export interface AdamOptions {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
}

export const PYTORCH_ADAM: AdamOptions = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

/** The optimizer's state as plain arrays, keyed by parameter name, for checkpoints. */
export interface AdamState {
  readonly step: number;
  readonly expAvg: ReadonlyMap<string, Float32Array>;
  readonly expAvgSq: ReadonlyMap<string, Float32Array>;
}

/** One Adam update in progress: each parameter gets its gradient once, in any order. */
export interface AdamStep {
  update(key: string, grad: tf.Tensor): void;
  /** Throws when a parameter had no update. */
  finish(): void;
}

export class Adam {
  private step = 0;
  private readonly expAvg = new Map<string, tf.Variable>();
  private readonly expAvgSq = new Map<string, tf.Variable>();

  constructor(
    private readonly params: ReadonlyMap<string, tf.Variable>,
    private readonly options: AdamOptions,
  ) {
    // In tidy: a variable shares its initial tensor's data, which must not stay held by that tensor too
    // (a leak, and a moment held twice is never updated in place).
    const zeros = (p: tf.Variable) => tf.tidy(() => tf.variable(tf.zerosLike(p), false));
    for (const [key, p] of params) {
      this.expAvg.set(key, zeros(p));
      this.expAvgSq.set(key, zeros(p));
    }
  }

  get steps(): number {
    return this.step;
  }

  /** One update with learning rate `lr`; `grads` holds one gradient per parameter key. */
  apply(grads: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    const step = this.begin(lr);
    for (const key of this.params.keys()) {
      const g = grads.get(key);
      if (g === undefined) throw new Error(`Adam: no gradient for parameter ${key}`);
      step.update(key, g);
    }
  }

  /** Starts one update with learning rate `lr`, made parameter by parameter as their gradients come. */
  begin(lr: number): AdamStep {
    this.step += 1;
    const { beta1, beta2, eps } = this.options;
    const attrs = {
      beta1,
      beta2,
      eps,
      stepSize: lr / (1 - beta1 ** this.step),
      biasCorrection2Sqrt: Math.sqrt(1 - beta2 ** this.step),
    };
    const pending = new Set(this.params.keys());
    return {
      update: (key, g) => {
        if (!pending.delete(key))
          throw new Error(`Adam: parameter ${key} is unknown or updated twice in one step`);
        const p = this.params.get(key) as tf.Variable;
        const m = this.moment(this.expAvg, key);
        const v = this.moment(this.expAvgSq, key);
        // Written over the variables themselves where the backend can, saving three new arrays.
        if (fusedAdamUpdateInPlace(p, g, m, v, attrs)) return;
        tf.tidy(() => {
          const [pNew, mNew, vNew] = fusedAdamUpdate(p, g, m, v, attrs);
          p.assign(pNew);
          m.assign(mNew);
          v.assign(vNew);
        });
      },
      finish: () => {
        if (pending.size > 0) throw new Error(`Adam: no gradient for parameter ${[...pending][0]}`);
      },
    };
  }

  state(): AdamState {
    const read = (moments: Map<string, tf.Variable>) =>
      new Map([...moments].map(([key, t]) => [key, t.dataSync() as Float32Array]));
    return { step: this.step, expAvg: read(this.expAvg), expAvgSq: read(this.expAvgSq) };
  }

  /** Restores a state from `state()`; every parameter must have both moments, of its size. */
  load(state: AdamState): void {
    for (const [name, saved, moments] of [
      ["exp_avg", state.expAvg, this.expAvg],
      ["exp_avg_sq", state.expAvgSq, this.expAvgSq],
    ] as const) {
      for (const [key, variable] of moments) {
        const data = saved.get(key);
        if (data === undefined || data.length !== variable.size) {
          throw new Error(`optimizer state: ${name} of ${key} is ${data ? "mis-sized" : "missing"}`);
        }
        variable.assign(tf.tensor(data, variable.shape, "float32"));
      }
    }
    this.step = state.step;
  }

  dispose(): void {
    for (const t of [...this.expAvg.values(), ...this.expAvgSq.values()]) t.dispose();
  }

  private moment(moments: Map<string, tf.Variable>, key: string): tf.Variable {
    const m = moments.get(key);
    if (m === undefined) throw new Error(`Adam: unknown parameter ${key}`);
    return m;
  }
}
