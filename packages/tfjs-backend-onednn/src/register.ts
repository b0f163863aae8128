/**
 * Registers the `onednn` backend: every kernel of the cpu backend under the new name, then the native
 * kernels over them (falling back per call to the cpu kernel for dtypes/layouts they do not cover).
 * Every kernel is wrapped by the per-kernel timer, which costs one null check when no profile is on.
 */
import "@tensorflow/tfjs-backend-cpu";
import {
  getKernel,
  getKernelsForBackend,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  registerBackend,
  registerKernel,
  unregisterKernel,
} from "@tensorflow/tfjs-core";
import { OnednnBackend, recordKernelCall } from "./backend.ts";
import { adamKernels } from "./kernels/adam.ts";
import { batchNormKernels } from "./kernels/batch-norm.ts";
import { batchNormTrainingKernels } from "./kernels/batch-norm-training.ts";
import { convKernels } from "./kernels/conv.ts";
import { elementwiseKernels } from "./kernels/elementwise.ts";
import { inferencePlanKernels } from "./kernels/inference-plan.ts";
import { layoutKernels } from "./kernels/layout.ts";
import { leakyReluGradKernels } from "./kernels/leaky-relu-grad.ts";
import type { NativeKernel, NativeKernelArgs } from "./kernels/native-kernel.ts";
import { reduceKernels } from "./kernels/reduce.ts";

export const BACKEND_NAME = "onednn";

/** Above the cpu backend (1), so tfjs picks onednn by default once it is registered. */
const PRIORITY = 3;

export const NATIVE_KERNELS: readonly NativeKernel[] = [
  ...convKernels,
  ...elementwiseKernels,
  ...reduceKernels,
  ...batchNormKernels,
  ...layoutKernels,
];

/** Times each call into the profile's `kernels`, while a profile is on. */
function timed(kernelName: string, kernelFunc: KernelFunc): KernelFunc {
  return (args) => {
    const profile = (args.backend as OnednnBackend).profile;
    if (profile === null) return kernelFunc(args);
    const start = performance.now();
    const result = kernelFunc(args);
    recordKernelCall(profile.kernels, kernelName, performance.now() - start);
    return result;
  };
}

/**
 * The native kernel, handing a call it declines to the cpu kernel; while a profile is on, each call is
 * timed once, into `kernels` or, when it fell back, `fallbacks`.
 */
function nativeOrCpu(kernel: NativeKernel, cpu: KernelFunc): KernelFunc {
  const native = (args: Parameters<KernelFunc>[0]) => kernel.kernelFunc(args as unknown as NativeKernelArgs);
  return (args) => {
    const profile = (args.backend as OnednnBackend).profile;
    if (profile === null) return native(args) ?? cpu(args);
    const start = performance.now();
    const result = native(args);
    if (result !== undefined) {
      recordKernelCall(profile.kernels, kernel.kernelName, performance.now() - start);
      return result;
    }
    const fallback = cpu(args);
    recordKernelCall(profile.fallbacks, kernel.kernelName, performance.now() - start);
    return fallback;
  };
}

let registered = false;

export function registerOnednnBackend(): void {
  if (registered) return;
  registered = true;
  registerBackend(BACKEND_NAME, () => new OnednnBackend() as KernelBackend, PRIORITY);
  for (const config of getKernelsForBackend("cpu")) {
    const { kernelName, kernelFunc } = config;
    registerKernel({ ...config, backendName: BACKEND_NAME, kernelFunc: timed(kernelName, kernelFunc) });
  }
  for (const kernel of NATIVE_KERNELS) {
    const cpu = getKernel(kernel.kernelName, "cpu") as KernelConfig | undefined;
    if (cpu === undefined) throw new Error(`onednn: the cpu backend has no kernel ${kernel.kernelName}`);
    unregisterKernel(kernel.kernelName, BACKEND_NAME);
    registerKernel({
      kernelName: kernel.kernelName,
      backendName: BACKEND_NAME,
      kernelFunc: nativeOrCpu(kernel, cpu.kernelFunc),
    });
  }
  for (const kernel of [
    ...adamKernels,
    ...batchNormTrainingKernels,
    ...leakyReluGradKernels,
    ...inferencePlanKernels,
  ]) {
    const kernelFunc = kernel.kernelFunc as unknown as KernelFunc;
    registerKernel({
      kernelName: kernel.kernelName,
      backendName: BACKEND_NAME,
      kernelFunc: timed(kernel.kernelName, kernelFunc),
    });
  }
}
