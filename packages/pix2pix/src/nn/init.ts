/**
 * Weight initialization as the reference's init_weights, drawn from our seeded Rng so that a seed gives
 * the same weights on every backend. Weights are drawn in PyTorch layout (so fan-in/fan-out and the
 * orthogonal matrix are PyTorch's) and the caller converts them. Browser-safe.
 */

export const INITS = ["normal", "xavier", "kaiming", "orthogonal"] as const;
export type InitName = (typeof INITS)[number];

import type { Rng } from "../random.ts";

export interface InitConfig {
  readonly initType: InitName;
  readonly initGain: number;
}

/** PyTorch's _calculate_fan_in_and_fan_out: dim 1 is "in", dim 0 is "out", the rest is the receptive field. */
function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: (shape[1] as number) * receptive, fanOut: (shape[0] as number) * receptive };
}

function normalArray(size: number, mean: number, std: number, rng: Rng): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = mean + std * rng.normal();
  return out;
}

/** A conv or transposed-conv weight of PyTorch shape `shape` (OIHW or IOHW). */
export function convWeight(shape: readonly number[], config: InitConfig, rng: Rng): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const { fanIn, fanOut } = fans(shape);
  switch (config.initType) {
    case "normal":
      return normalArray(size, 0, config.initGain, rng);
    case "xavier":
      return normalArray(size, 0, config.initGain * Math.sqrt(2 / (fanIn + fanOut)), rng);
    case "kaiming":
      // kaiming_normal_(a=0, mode="fan_in"): the reference passes no gain here.
      return normalArray(size, 0, Math.SQRT2 / Math.sqrt(fanIn), rng);
    case "orthogonal":
      return orthogonal(shape[0] as number, size / (shape[0] as number), config.initGain, rng);
  }
}

/** BatchNorm weight: N(1, gain), as the reference (whatever the init type). */
export function batchNormWeight(channels: number, config: InitConfig, rng: Rng): Float32Array {
  return normalArray(channels, 1, config.initGain, rng);
}

/**
 * torch.nn.init.orthogonal_: a rows×cols matrix with orthonormal rows or columns, the Q of the QR of a
 * Gaussian matrix with R's diagonal made positive — which is exactly what Gram–Schmidt produces.
 */
function orthogonal(rows: number, cols: number, gain: number, rng: Rng): Float32Array {
  const flat = Float64Array.from(normalArray(rows * cols, 0, 1, rng));
  const wide = rows < cols;
  const [m, n] = wide ? [cols, rows] : [rows, cols]; // orthonormalize the n columns of an m×n matrix
  const column = (j: number) => {
    const v = new Float64Array(m);
    for (let i = 0; i < m; i++) v[i] = wide ? (flat[j * cols + i] as number) : (flat[i * cols + j] as number);
    return v;
  };
  const q: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const v = column(j);
    for (const u of q) {
      let dot = 0;
      for (let i = 0; i < m; i++) dot += (u[i] as number) * (v[i] as number);
      for (let i = 0; i < m; i++) v[i] = (v[i] as number) - dot * (u[i] as number);
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += (v[i] as number) ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < m; i++) v[i] = (v[i] as number) / norm;
    q.push(v);
  }
  const out = new Float32Array(rows * cols);
  const at = (j: number, i: number) => (q[j] as Float64Array)[i] as number; // column j of Q, row i
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      out[r * cols + c] = gain * (wide ? at(r, c) : at(c, r));
    }
  }
  return out;
}
