/**
 * The files of a training run in <checkpoints-dir>/<name>/, by checkpoint tag (`latest`, or an epoch
 * number): what `train` writes and `test`, `translate` and `--continue` read.
 */
import path from "node:path";

export const runFiles = (dir: string, tag: string) => ({
  /** The networks, reference state-dict keys and layouts (they load in PyTorch). */
  g: path.join(dir, `${tag}_net_G.safetensors`),
  d: path.join(dir, `${tag}_net_D.safetensors`),
  /** Everything a resumed run needs, in one file (train/checkpoint.ts). */
  trainState: path.join(dir, `${tag}_train_state.safetensors`),
});

/** The run's resolved training options, as JSON. */
export const trainOptionsFile = (dir: string) => path.join(dir, "train_opt.json");
