/**
 * Convolution kernels over oneDNN: Conv2D, FusedConv2D (conv + bias + activation), and the two
 * gradients, Conv2DBackpropInput (also the transposed convolution) and Conv2DBackpropFilter.
 */
import {
  backend_util,
  Conv2D,
  type Conv2DAttrs,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  FusedConv2D,
  type FusedConv2DAttrs,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
import type { OnednnBackend } from "../backend.ts";
import { type ConvGeometry, native, WEIGHTS_USE, type WeightsUse } from "../native.ts";
import { applyBinary, applyUnary } from "./elementwise.ts";
import { floatInputs, type NativeKernel, type NativeKernelArgs, sizeOf } from "./native-kernel.ts";

function geometryOf(info: backend_util.Conv2DInfo): ConvGeometry {
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.outChannels,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
  ];
}

/** Layout names by geometry and use, asked of the addon once each (they never change). */
const layoutNames = new Map<string, string>();

function weightsLayoutName(geometry: ConvGeometry, use: WeightsUse): string {
  const key = `${use}:${geometry.join(",")}`;
  let name = layoutNames.get(key);
  if (name === undefined) {
    name = native.convWeightsLayout(geometry, use);
    layoutNames.set(key, name);
  }
  return name;
}

/**
 * The filter as the primitive for `use` should get it: a copy in the primitive's own layout when this
 * tensor was seen in that layout before (inference reruns with the same weights; D's weights serve three
 * passes per training step), else the HWIO values, which the addon copies into a scratch buffer per call.
 * Converting a filter costs a pass over it (G's are 218 MB in all) at ~5 GB/s here, so keeping the copy
 * saves ~0.1 s per G forward. A filter is copied only on its second use: training replaces most weights
 * every step, and a kept copy of those would only cost an allocation. Copies are kept per layout, not per
 * geometry: a server running batches of several sizes keeps one copy of each filter, not one per size.
 */
function filterFor(
  backend: OnednnBackend,
  filter: TensorInfo,
  values: Float32Array,
  geometry: ConvGeometry,
  use: WeightsUse,
): { values: Float32Array; prepared: boolean } {
  const layout = weightsLayoutName(geometry, use);
  if (layout === "") return { values, prepared: false };
  let prepared = backend.preparedFilters.get(filter.dataId);
  if (prepared === undefined) {
    prepared = new Map();
    backend.preparedFilters.set(filter.dataId, prepared);
  }
  const kept = prepared.get(layout);
  if (kept !== undefined && kept !== null) return { values: kept, prepared: true };
  if (kept === undefined) {
    prepared.set(layout, null);
    return { values, prepared: false };
  }
  // From the pool (D's filters change every step and are copied anew, 20 MB at 256 px); every element,
  // the layout's padding included, is written by the copy.
  const copy = backend.allocate(native.convWeightsSize(geometry, use));
  native.convPrepareWeights(geometry, use, values, copy);
  prepared.set(layout, copy);
  return { values: copy, prepared: true };
}

/** Adds the FLOPs of one convolution to `kernelName`'s count, while a profile is on. */
function countFlops(backend: OnednnBackend, kernelName: string, info: backend_util.Conv2DInfo): void {
  const flops = backend.profile?.convFlops;
  if (flops === undefined) return;
  const { batchSize, outHeight, outWidth, outChannels, filterHeight, filterWidth, inChannels } = info;
  const done = 2 * batchSize * outHeight * outWidth * outChannels * filterHeight * filterWidth * inChannels;
  flops.set(kernelName, (flops.get(kernelName) ?? 0) + done);
}

/**
 * The forward convolution (x → y) or its backward-data pass (dy → dx, also the transposed convolution):
 * the same call through the filter in opposite directions, its FLOPs counted under `kernelName`.
 * Undefined when an input is not float32.
 */
function throughFilter(
  backend: OnednnBackend,
  kernelName: string,
  direction: keyof typeof WEIGHTS_USE,
  input: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo | undefined {
  const values = floatInputs(backend, [input, filter]);
  if (values === undefined) return undefined;
  const [inputValues, filterValues] = values as [Float32Array, Float32Array];
  const outShape = direction === "forward" ? info.outShape : info.inShape;
  const out = backend.allocate(sizeOf(outShape));
  const geometry = geometryOf(info);
  const w = filterFor(backend, filter, filterValues, geometry, WEIGHTS_USE[direction]);
  const run = direction === "forward" ? native.convForward : native.convBackwardData;
  run(inputValues, w.values, out, geometry, w.prepared);
  countFlops(backend, kernelName, info);
  return backend.output(outShape, out);
}

/** The forward convolution for `kernelName`, or undefined when it is not NHWC float32. */
function convolve(
  backend: OnednnBackend,
  kernelName: string,
  x: TensorInfo,
  filter: TensorInfo,
  attrs: Conv2DAttrs,
): TensorInfo | undefined {
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs;
  if (dataFormat === "NCHW") return undefined;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    strides,
    dilations,
    pad,
    dimRoundingMode,
  );
  return throughFilter(backend, kernelName, "forward", x, filter, info);
}

function conv2d({ inputs, backend, attrs }: NativeKernelArgs): TensorInfo | undefined {
  return convolve(
    backend,
    Conv2D,
    inputs.x as TensorInfo,
    inputs.filter as TensorInfo,
    attrs as unknown as Conv2DAttrs,
  );
}

const FUSED_ACTIVATIONS = new Set(["linear", "relu", "relu6", "elu", "leakyrelu", "sigmoid"]);

function fusedConv2d({ inputs, backend, attrs }: NativeKernelArgs): TensorInfo | undefined {
  const { activation, leakyreluAlpha } = attrs as unknown as FusedConv2DAttrs;
  const bias = inputs.bias;
  if (!FUSED_ACTIVATIONS.has(activation) || (bias !== undefined && backend.floats(bias) === undefined)) {
    return undefined;
  }
  let result = convolve(
    backend,
    FusedConv2D,
    inputs.x as TensorInfo,
    inputs.filter as TensorInfo,
    attrs as unknown as Conv2DAttrs,
  );
  if (result === undefined) return undefined;
  if (bias !== undefined) {
    const biased = applyBinary(backend, "Add", result, bias);
    backend.disposeIntermediateTensorInfo(result);
    result = biased;
  }
  if (activation === "linear") return result;
  const op = (
    { relu: "Relu", relu6: "Relu6", elu: "Elu", leakyrelu: "LeakyRelu", sigmoid: "Sigmoid" } as const
  )[activation as "relu"];
  const activated = applyUnary(backend, op, result, leakyreluAlpha ?? 0.2);
  backend.disposeIntermediateTensorInfo(result);
  return activated;
}

function conv2dBackpropInput({ inputs, backend, attrs }: NativeKernelArgs): TensorInfo | undefined {
  const { inputShape, strides, pad, dataFormat, dimRoundingMode } =
    attrs as unknown as Conv2DBackpropInputAttrs;
  const filter = inputs.filter as TensorInfo;
  if (dataFormat === "NCHW") return undefined;
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  return throughFilter(backend, Conv2DBackpropInput, "backwardData", inputs.dy as TensorInfo, filter, info);
}

function conv2dBackpropFilter({ inputs, backend, attrs }: NativeKernelArgs): TensorInfo | undefined {
  const { filterShape, strides, pad, dataFormat, dimRoundingMode } =
    attrs as unknown as Conv2DBackpropFilterAttrs;
  const x = inputs.x as TensorInfo;
  const dy = inputs.dy as TensorInfo;
  const values = floatInputs(backend, [x, dy]);
  if (values === undefined || dataFormat === "NCHW") return undefined;
  const [xValues, dyValues] = values as [Float32Array, Float32Array];
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const dw = backend.allocate(sizeOf(filterShape));
  native.convBackwardWeights(xValues, dyValues, dw, geometryOf(info));
  countFlops(backend, Conv2DBackpropFilter, info);
  return backend.output([...filterShape], dw);
}

export const convKernels: readonly NativeKernel[] = [
  { kernelName: Conv2D, kernelFunc: conv2d },
  { kernelName: FusedConv2D, kernelFunc: fusedConv2d },
  { kernelName: Conv2DBackpropInput, kernelFunc: conv2dBackpropInput },
  { kernelName: Conv2DBackpropFilter, kernelFunc: conv2dBackpropFilter },
];
