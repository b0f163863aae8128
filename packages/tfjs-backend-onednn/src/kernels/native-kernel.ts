/** The shape of a native kernel: like a tfjs kernel function, but it may decline a call. */
import type { NamedAttrMap, NamedTensorInfoMap, TensorInfo } from "@tensorflow/tfjs-core";
import type { OnednnBackend } from "../backend.ts";

export interface NativeKernelArgs {
  readonly inputs: NamedTensorInfoMap;
  readonly backend: OnednnBackend;
  readonly attrs: NamedAttrMap;
}

/**
 * Returns undefined to hand the call to the cpu backend's kernel: native code covers float32 (and bool
 * masks) in the layouts the models use; other dtypes or layouts (NCHW, int32 counters) stay on the
 * cpu implementation, which shares the same tensor storage.
 */
export type NativeKernelFunc = (args: NativeKernelArgs) => TensorInfo | TensorInfo[] | undefined;

export interface NativeKernel {
  readonly kernelName: string;
  readonly kernelFunc: NativeKernelFunc;
}

/** The float32 values of every input, or undefined when one is not float32. */
export function floatInputs(
  backend: OnednnBackend,
  tensors: readonly TensorInfo[],
): Float32Array[] | undefined {
  const values: Float32Array[] = [];
  for (const t of tensors) {
    const v = backend.floats(t);
    if (v === undefined) return undefined;
    values.push(v);
  }
  return values;
}

export function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}
