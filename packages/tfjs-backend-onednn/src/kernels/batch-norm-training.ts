/**
 * FusedBatchNormTraining: batch norm with batch statistics over every dimension but the last (NHWC,
 * training mode), y = (x − mean) / √(variance + epsilon) · scale + offset, with outputs [y, mean,
 * variance] (biased); and FusedBatchNormTrainingGrad, its gradient with respect to x, scale and
 * offset given dy and the gradients reaching mean and variance. Two passes over memory each, where
 * tfjs's op-by-op batch norm makes a dozen each way. Only on this backend; no cpu fallback.
 */
import type { TensorInfo } from "@tensorflow/tfjs-core";
import { native } from "../native.ts";
import { floatInputs, type NativeKernel, type NativeKernelArgs } from "./native-kernel.ts";

export const FUSED_BATCH_NORM_TRAINING = "FusedBatchNormTraining";
export const FUSED_BATCH_NORM_TRAINING_GRAD = "FusedBatchNormTrainingGrad";

/** The attributes of both kernels. */
export type FusedBatchNormTrainingAttrs = { readonly epsilon: number };

function channelsOf(x: TensorInfo, scale: TensorInfo, offset: TensorInfo): number {
  const channels = x.shape[x.shape.length - 1] ?? 0;
  if (scale.shape.length !== 1 || scale.shape[0] !== channels || offset.shape[0] !== channels) {
    throw new Error(
      `${FUSED_BATCH_NORM_TRAINING}: scale and offset must be [${channels}], the last dimension of x`,
    );
  }
  return channels;
}

function forward({ inputs, backend, attrs }: NativeKernelArgs): TensorInfo[] {
  const [x, scale, offset] = [inputs.x, inputs.scale, inputs.offset] as [TensorInfo, TensorInfo, TensorInfo];
  const channels = channelsOf(x, scale, offset);
  const values = floatInputs(backend, [x, scale, offset]);
  if (values === undefined) throw new Error(`${FUSED_BATCH_NORM_TRAINING}: inputs must be float32`);
  const [xValues, scaleValues, offsetValues] = values as [Float32Array, Float32Array, Float32Array];
  const [y, mean, variance] = [
    backend.allocate(xValues.length),
    backend.allocate(channels),
    backend.allocate(channels),
  ];
  native.batchNormTrainingForward(
    xValues,
    scaleValues,
    offsetValues,
    (attrs as FusedBatchNormTrainingAttrs).epsilon,
    y,
    mean,
    variance,
  );
  return [
    backend.output([...x.shape], y),
    backend.output([channels], mean),
    backend.output([channels], variance),
  ];
}

function backward({ inputs, backend, attrs }: NativeKernelArgs): TensorInfo[] {
  const names = ["dy", "x", "scale", "mean", "variance", "dMean", "dVariance"] as const;
  const tensors = names.map((name) => inputs[name] as TensorInfo);
  const values = floatInputs(backend, tensors);
  if (values === undefined) throw new Error(`${FUSED_BATCH_NORM_TRAINING_GRAD}: inputs must be float32`);
  const [dy, x, scale, mean, variance, dMean, dVariance] = values as Float32Array[] as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const channels = scale.length;
  const [dx, dScale, dOffset] = [
    backend.allocate(x.length),
    backend.allocate(channels),
    backend.allocate(channels),
  ];
  native.batchNormTrainingBackward(
    dy,
    x,
    scale,
    mean,
    variance,
    dMean,
    dVariance,
    (attrs as FusedBatchNormTrainingAttrs).epsilon,
    dx,
    dScale,
    dOffset,
  );
  const xShape = [...(tensors[1] as TensorInfo).shape];
  return [
    backend.output(xShape, dx),
    backend.output([channels], dScale),
    backend.output([channels], dOffset),
  ];
}

export const batchNormTrainingKernels: readonly NativeKernel[] = [
  { kernelName: FUSED_BATCH_NORM_TRAINING, kernelFunc: forward },
  { kernelName: FUSED_BATCH_NORM_TRAINING_GRAD, kernelFunc: backward },
];
