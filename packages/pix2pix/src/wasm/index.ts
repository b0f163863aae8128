/**
 * The kernels a pix2pix training step needs on tfjs-backend-wasm beyond what it brings, registered for
 * "wasm" by `registerWasmTrainingKernels` (pix2pix-ts/wasm): the one it lacks, and one it has whose
 * direct loop is much slower than its matrix product. Everything else a step runs, the backend has.
 */
import { getKernel, type KernelConfig, registerKernel, unregisterKernel } from "@tensorflow/tfjs-core";
import { conv2dBackpropFilterConfig } from "./conv2d-backprop-filter.ts";
import { conv2dBackpropInputConfig } from "./conv2d-backprop-input.ts";

/** What the backend lacks: registered where absent (a newer tfjs-backend-wasm's own is kept). */
const MISSING: readonly KernelConfig[] = [conv2dBackpropFilterConfig];
/** What the backend has, replaced: a U-Net training step takes half the time (README). */
const FASTER: readonly KernelConfig[] = [conv2dBackpropInputConfig];

export const WASM_TRAINING_KERNELS: readonly KernelConfig[] = [...MISSING, ...FASTER];

/** Registers them; before or after the backend starts (the engine looks kernels up per call). Idempotent. */
export function registerWasmTrainingKernels(): void {
  for (const config of MISSING) {
    if (getKernel(config.kernelName, config.backendName) === undefined) registerKernel(config);
  }
  for (const config of FASTER) {
    const current = getKernel(config.kernelName, config.backendName);
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current) unregisterKernel(config.kernelName, config.backendName);
    registerKernel(config);
  }
}
