/**
 * What a kernel here needs of the wasm backend: its heap (tensors' memory, read and written in place)
 * and its other kernels. Typed structurally, so that this folder never imports the backend's package:
 * the page that uses it loads (and sizes) the backend itself.
 */
import {
  type backend_util,
  type DataType,
  getKernel,
  type KernelBackend,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from "@tensorflow/tfjs-core";

export const WASM = "wasm";

/** The part of tfjs-backend-wasm's BackendWasm the kernels here use. */
export interface WasmBackend extends KernelBackend {
  /** A new tensor's memory on the wasm heap. */
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  /** A view of a tensor's memory; invalid once the heap grows, so taken after the last allocation. */
  typedArrayFromHeap(info: TensorInfo): backend_util.TypedArray;
}

export function asWasmBackend(backend: object, kernelName: string): WasmBackend {
  if (!isWasmBackend(backend)) {
    throw new Error(`${kernelName}: registered for the wasm backend but called with another backend`);
  }
  return backend;
}

/** By shape rather than class: a page may hold more than one copy of tfjs-core. */
function isWasmBackend(backend: object): backend is WasmBackend {
  return ["makeOutput", "typedArrayFromHeap", "disposeData"].every(
    (method) => typeof Reflect.get(backend, method) === "function",
  );
}

/** Runs one of the backend's own kernels from inside a kernel (its output is the caller's to dispose). */
export function callKernel(
  backend: WasmBackend,
  kernelName: string,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap = {},
): TensorInfo {
  const kernel = getKernel(kernelName, WASM);
  if (kernel === undefined) throw new Error(`the wasm backend has no ${kernelName} kernel`);
  const out = kernel.kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(out)) throw new Error(`${kernelName}: expected one output, got ${out.length}`);
  return out;
}

export function tensorInput(inputs: NamedTensorInfoMap, name: string, kernelName: string): TensorInfo {
  const input = inputs[name];
  if (input === undefined) throw new Error(`${kernelName}: missing input '${name}'`);
  return input;
}
