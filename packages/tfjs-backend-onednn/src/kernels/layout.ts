/** Data-movement kernels: Transpose, Slice, SplitV, Concat, PadV2, MirrorPad, Tile. */
import {
  backend_util,
  type ConcatAttrs,
  type MirrorPadAttrs,
  type PadV2Attrs,
  type SliceAttrs,
  type SplitVAttrs,
  slice_util,
  type TensorInfo,
  type TileAttrs,
  type TransposeAttrs,
  util,
} from "@tensorflow/tfjs-core";
import type { OnednnBackend } from "../backend.ts";
import { native, PAD_MODES, type PadMode } from "../native.ts";
import { floatInputs, type NativeKernel, type NativeKernelArgs, sizeOf } from "./native-kernel.ts";

function transpose({ inputs, backend, attrs }: NativeKernelArgs): TensorInfo | undefined {
  const x = inputs.x as TensorInfo;
  const values = backend.floats(x);
  if (values === undefined || x.shape.length === 0) return undefined;
  const { perm } = attrs as unknown as TransposeAttrs;
  const out = backend.allocate(values.length);
  native.transpose(values, x.shape, perm, out);
  return backend.output(
    perm.map((p) => x.shape[p] as number),
    out,
  );
}

function sliceOf(
  backend: OnednnBackend,
  x: TensorInfo,
  values: Float32Array,
  begin: number[],
  size: number[],
) {
  const out = backend.allocate(sizeOf(size));
  if (out.length > 0) native.slice(values, x.shape, begin, size, out);
  return backend.output(size, out);
}

function slice({ inputs, backend, attrs }: NativeKernelArgs): TensorInfo | undefined {
  const x = inputs.x as TensorInfo;
  const values = backend.floats(x);
  if (values === undefined || x.shape.length === 0) return undefined;
  const { begin, size } = attrs as unknown as SliceAttrs;
  const [$begin, $size] = slice_util.parseSliceParams(x, begin, size) as [number[], number[]];
  slice_util.assertParamsValid(x, $begin, $size);
  return sliceOf(backend, x, values, $begin, $size);
}

function splitV({ inputs, backend, attrs }: NativeKernelArgs): TensorInfo[] | undefined {
  const x = inputs.x as TensorInfo;
  const values = backend.floats(x);
  if (values === undefined || x.shape.length === 0) return undefined;
  const { numOrSizeSplits, axis } = attrs as unknown as SplitVAttrs;
  const $axis = util.parseAxisParam(axis, x.shape)[0] as number;
  const sizes = backend_util.prepareSplitSize(x, numOrSizeSplits, $axis);
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((s) => {
    const size = [...x.shape];
    size[$axis] = s;
    const part = sliceOf(backend, x, values, [...begin], size);
    begin[$axis] = (begin[$axis] as number) + s;
    return part;
  });
}

function concat({ inputs, backend, attrs }: NativeKernelArgs): TensorInfo | undefined {
  const tensors = (inputs as unknown as TensorInfo[]).filter((t) => sizeOf(t.shape) > 0);
  const values = floatInputs(backend, tensors);
  const first = tensors[0];
  if (values === undefined || first === undefined || first.shape.length === 0) return undefined;
  const { axis } = attrs as unknown as ConcatAttrs;
  const $axis = util.parseAxisParam(axis, first.shape)[0] as number;
  const shape = backend_util.computeOutShape(
    tensors.map((t) => t.shape),
    $axis,
  );
  const outer = sizeOf(shape.slice(0, $axis));
  const out = backend.allocate(sizeOf(shape));
  native.concat(
    values,
    outer,
    values.map((v) => v.length / outer),
    out,
  );
  return backend.output(shape, out);
}

function padded(
  backend: OnednnBackend,
  x: TensorInfo,
  paddings: Array<[number, number]>,
  mode: PadMode,
  value: number,
): TensorInfo | undefined {
  const values = backend.floats(x);
  if (values === undefined || x.shape.length === 0 || values.length === 0) return undefined;
  const before = paddings.map((p) => p[0]);
  const after = paddings.map((p) => p[1]);
  const shape = x.shape.map((d, i) => d + (before[i] as number) + (after[i] as number));
  const out = backend.allocate(sizeOf(shape));
  native.pad(values, x.shape, before, after, PAD_MODES.indexOf(mode), value, out);
  return backend.output(shape, out);
}

function padV2({ inputs, backend, attrs }: NativeKernelArgs): TensorInfo | undefined {
  const { paddings, constantValue } = attrs as unknown as PadV2Attrs;
  return padded(backend, inputs.x as TensorInfo, paddings, "constant", constantValue);
}

function mirrorPad({ inputs, backend, attrs }: NativeKernelArgs): TensorInfo | undefined {
  const { paddings, mode } = attrs as unknown as MirrorPadAttrs;
  return padded(backend, inputs.x as TensorInfo, paddings, mode, 0);
}

function tile({ inputs, backend, attrs }: NativeKernelArgs): TensorInfo | undefined {
  const x = inputs.x as TensorInfo;
  const values = backend.floats(x);
  if (values === undefined || x.shape.length === 0 || values.length === 0) return undefined;
  const { reps } = attrs as unknown as TileAttrs;
  const shape = x.shape.map((d, i) => d * (reps[i] as number));
  const out = backend.allocate(sizeOf(shape));
  if (out.length > 0) native.tile(values, x.shape, reps, out);
  return backend.output(shape, out);
}

export const layoutKernels: readonly NativeKernel[] = [
  { kernelName: "Transpose", kernelFunc: transpose },
  { kernelName: "Slice", kernelFunc: slice },
  { kernelName: "SplitV", kernelFunc: splitV },
  { kernelName: "Concat", kernelFunc: concat },
  { kernelName: "PadV2", kernelFunc: padV2 },
  { kernelName: "MirrorPad", kernelFunc: mirrorPad },
  { kernelName: "Tile", kernelFunc: tile },
];
