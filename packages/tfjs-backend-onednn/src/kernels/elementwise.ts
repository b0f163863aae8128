/**
 * Element-wise kernels: unary maps, broadcasting binary ops and comparisons, Select, AddN, and the
 * constant fills Fill, ZerosLike, OnesLike.
 */
import { backend_util, type FillAttrs, type TensorInfo } from "@tensorflow/tfjs-core";
import type { OnednnBackend } from "../backend.ts";
import { BINARY_OPS, type BinaryOp, COMPARISON_OPS, native, UNARY_OPS, type UnaryOp } from "../native.ts";
import { floatInputs, type NativeKernel, type NativeKernelArgs, sizeOf } from "./native-kernel.ts";

/** op(x) for a float32 tensor (the caller checked the dtype). */
export function applyUnary(backend: OnednnBackend, op: UnaryOp, x: TensorInfo, alpha = 0): TensorInfo {
  const values = backend.floats(x);
  if (values === undefined) throw new Error(`onednn ${op}: expected float32, got ${x.dtype}`);
  const y = backend.allocate(values.length);
  native.unary(UNARY_OPS.indexOf(op), alpha, values, y);
  return backend.output([...x.shape], y);
}

/** op(a, b) with broadcasting, for float32 tensors (the caller checked the dtypes). */
export function applyBinary(backend: OnednnBackend, op: BinaryOp, a: TensorInfo, b: TensorInfo): TensorInfo {
  const values = floatInputs(backend, [a, b]);
  if (values === undefined) throw new Error(`onednn ${op}: expected float32, got ${a.dtype} and ${b.dtype}`);
  const [aValues, bValues] = values as [Float32Array, Float32Array];
  const shape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  const comparison = COMPARISON_OPS.has(op);
  const out = comparison ? backend.allocateBools(sizeOf(shape)) : backend.allocate(sizeOf(shape));
  native.binary(BINARY_OPS.indexOf(op), aValues, a.shape, bValues, b.shape, out, shape);
  return backend.output(shape, out, comparison ? "bool" : "float32");
}

/** The attribute holding a unary op's parameter, and its tfjs default. */
const UNARY_ALPHA: Partial<Record<UnaryOp, { attr: string; otherwise: number }>> = {
  LeakyRelu: { attr: "alpha", otherwise: 0.2 },
  Step: { attr: "alpha", otherwise: 0 },
};

function unaryKernel(op: Exclude<UnaryOp, "Fill">): NativeKernel {
  const alpha = UNARY_ALPHA[op];
  return {
    kernelName: op,
    kernelFunc: ({ inputs, backend, attrs }: NativeKernelArgs) => {
      const x = inputs.x as TensorInfo;
      if (backend.floats(x) === undefined) return undefined;
      const a = alpha === undefined ? 0 : ((attrs[alpha.attr] as number | undefined) ?? alpha.otherwise);
      return applyUnary(backend, op, x, a);
    },
  };
}

function binaryKernel(op: BinaryOp): NativeKernel {
  return {
    kernelName: op,
    kernelFunc: ({ inputs, backend }: NativeKernelArgs) => {
      const a = inputs.a as TensorInfo;
      const b = inputs.b as TensorInfo;
      if (floatInputs(backend, [a, b]) === undefined) return undefined;
      return applyBinary(backend, op, a, b);
    },
  };
}

function select({ inputs, backend }: NativeKernelArgs): TensorInfo | undefined {
  const condition = backend.bools(inputs.condition as TensorInfo);
  const t = inputs.t as TensorInfo;
  const values = floatInputs(backend, [t, inputs.e as TensorInfo]);
  if (condition === undefined || values === undefined) return undefined;
  const [tValues, eValues] = values as [Float32Array, Float32Array];
  // tfjs also allows a rank-1 condition that picks whole rows: left to the cpu kernel.
  if (condition.length !== tValues.length || eValues.length !== tValues.length) return undefined;
  const out = backend.allocate(tValues.length);
  native.select(condition, tValues, eValues, out);
  return backend.output([...t.shape], out);
}

function addN({ inputs, backend }: NativeKernelArgs): TensorInfo | undefined {
  const tensors = inputs as unknown as TensorInfo[];
  const values = floatInputs(backend, tensors);
  const first = tensors[0];
  if (values === undefined || first === undefined) return undefined;
  const out = backend.allocate(sizeOf(first.shape));
  native.addN(values, out);
  return backend.output([...first.shape], out);
}

function filled(backend: OnednnBackend, shape: readonly number[], value: number): TensorInfo {
  const out = backend.allocate(sizeOf(shape));
  native.unary(UNARY_OPS.indexOf("Fill"), value, out, out);
  return backend.output([...shape], out);
}

function fill({ backend, attrs }: NativeKernelArgs): TensorInfo | undefined {
  const { shape, value, dtype } = attrs as unknown as FillAttrs;
  if ((dtype ?? "float32") !== "float32" || typeof value !== "number") return undefined;
  return filled(backend, shape, value);
}

/**
 * ZerosLike and OnesLike of float32, in a buffer of this backend: an optimizer's moments start as
 * zerosLike(param), and the Adam update writes over such a buffer in place from its first step.
 */
function filledLike(kernelName: string, value: number): NativeKernel {
  return {
    kernelName,
    kernelFunc: ({ inputs, backend }: NativeKernelArgs) => {
      const x = inputs.x as TensorInfo;
      return x.dtype === "float32" ? filled(backend, x.shape, value) : undefined;
    },
  };
}

export const elementwiseKernels: readonly NativeKernel[] = [
  ...UNARY_OPS.filter((op): op is Exclude<UnaryOp, "Fill"> => op !== "Fill").map(unaryKernel),
  ...BINARY_OPS.map(binaryKernel),
  { kernelName: "Select", kernelFunc: select },
  { kernelName: "AddN", kernelFunc: addN },
  { kernelName: "Fill", kernelFunc: fill },
  filledLike("ZerosLike", 0),
  filledLike("OnesLike", 1),
];
