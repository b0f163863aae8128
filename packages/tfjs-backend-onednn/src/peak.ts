/**
 * The machine's matrix-multiply peak, which a convolution's FLOP rate is measured against: convolutions
 * run on the same FMA units and threads as a matrix multiply, so their share of its rate says how much
 * of the machine they use (the bench reports it as utilization).
 */
import { native } from "./native.ts";

export interface GemmPeakOptions {
  /** Rows and columns of the square float32 matrices: 2048 by default. */
  readonly size?: number;
  /** Timed multiplies, after one untimed warm-up; the fastest counts. 5 by default. */
  readonly repetitions?: number;
}

/**
 * GFLOP/s of oneDNN's sgemm with every thread (2·size³ FLOPs per multiply over the fastest of the
 * repetitions). It runs in well under a second at the default size on a two-core machine; on a busy one
 * it measures what is left of the machine, as the kernels being compared with it get.
 */
export function measureGemmPeak({ size = 2048, repetitions = 5 }: GemmPeakOptions = {}): number {
  for (const [name, value] of [
    ["size", size],
    ["repetitions", repetitions],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`measureGemmPeak: ${name} must be a positive integer, not ${value}`);
    }
  }
  return native.gemmGflops(size, repetitions);
}
