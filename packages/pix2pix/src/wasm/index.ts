/**
 * The kernels a pix2pix training step needs that tfjs-backend-wasm lacks, registered for "wasm" by
 * `registerWasmTrainingKernels` (pix2pix-ts/wasm). Everything else a step runs, the backend has.
 */
import { getKernel, type KernelConfig, registerKernel } from "@tensorflow/tfjs-core";
import { conv2dBackpropFilterConfig } from "./conv2d-backprop-filter.ts";

export const WASM_TRAINING_KERNELS: readonly KernelConfig[] = [conv2dBackpropFilterConfig];

/**
 * Registers the missing kernels; before or after the backend starts (the engine looks kernels up per
 * call). Idempotent, and it never replaces a kernel a newer tfjs-backend-wasm brings itself.
 */
export function registerWasmTrainingKernels(): void {
  for (const config of WASM_TRAINING_KERNELS) {
    if (getKernel(config.kernelName, config.backendName) === undefined) registerKernel(config);
  }
}
