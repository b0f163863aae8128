/**
 * InferencePlan: a whole network (convolutions, transposed convolutions, activations, concatenations
 * written in place) run as one native call, compiled once per plan and image size (native/plan.h):
 * weights reordered once into each primitive's layout, bias and activation fused as post-ops, and
 * activations kept channel-blocked from layer to layer. The plan is the caller's description, its
 * weights the kernel's inputs; what is compiled from them lives as long as the description object.
 */
import type { TensorInfo } from "@tensorflow/tfjs-core";
import { native, type PlanHandle } from "../native.ts";
import type { NativeKernel, NativeKernelArgs } from "./native-kernel.ts";

export const INFERENCE_PLAN = "InferencePlan";

/** Channels [offset, offset + channels) of buffer `buffer`; buffer 0 is the input image. */
export type PlanSlice = [buffer: number, offset: number, channels: number];

export const PLAN_ACTIVATIONS = ["none", "relu", "leakyRelu", "tanh"] as const;
export type PlanActivation = (typeof PLAN_ACTIVATIONS)[number];

/**
 * A convolution (its weights the kernel's input `w<step>`, OIHW) or transposed convolution (IOHW:
 * PyTorch's and ONNX's layouts), with a bias (input `b<step>`) where `bias`, its output put through
 * `activation`; or an activation alone (`eltwise`; `none`: a copy) from one slice to another of the
 * same size. Plain data (tfjs attributes): the weights travel as the kernel's inputs.
 */
export type PlanStep = {
  kind: "conv" | "deconv" | "eltwise";
  src: PlanSlice;
  dst: PlanSlice;
  bias: boolean;
  kernel: number;
  stride: number;
  pad: number;
  activation: PlanActivation;
  /** LeakyRelu's slope. */
  alpha: number;
};

export type InferencePlanSpec = {
  /** The channels of each buffer, the input image's first. */
  bufferChannels: number[];
  /** The buffer holding the result. */
  output: number;
  steps: PlanStep[];
};

export type InferencePlanAttrs = { plan: InferencePlanSpec };

const STEP_KINDS = { conv: 0, deconv: 1, eltwise: 2 } as const;

/** Compiled plans by spec and image size; a spec's go when it is collected. */
const compiled = new WeakMap<InferencePlanSpec, Map<string, PlanHandle>>();

function compiledFor(
  spec: InferencePlanSpec,
  weightsOf: (name: string) => Float32Array | null,
  height: number,
  width: number,
): PlanHandle {
  let bySize = compiled.get(spec);
  if (bySize === undefined) {
    bySize = new Map();
    compiled.set(spec, bySize);
  }
  const key = `${height}x${width}`;
  let handle = bySize.get(key);
  if (handle === undefined) {
    handle = native.planCompile(
      {
        bufferChannels: spec.bufferChannels,
        output: spec.output,
        steps: spec.steps.map((step, i) => ({
          ...step,
          kind: STEP_KINDS[step.kind],
          weights: step.kind === "eltwise" ? null : weightsOf(`w${i}`),
          bias: step.bias ? weightsOf(`b${i}`) : null,
          activation: PLAN_ACTIVATIONS.indexOf(step.activation),
        })),
      },
      height,
      width,
    );
    bySize.set(key, handle);
  }
  return handle;
}

function inferencePlan({ inputs, backend, attrs }: NativeKernelArgs): TensorInfo {
  const x = inputs.x as TensorInfo;
  const values = backend.floats(x);
  const { plan } = attrs as unknown as InferencePlanAttrs;
  if (values === undefined || x.shape.length !== 4 || x.shape[3] !== plan.bufferChannels[0]) {
    throw new Error(`${INFERENCE_PLAN}: x must be float32 NHWC with ${plan.bufferChannels[0]} channels`);
  }
  const [batch, height, width] = x.shape as [number, number, number, number];
  const weightsOf = (name: string) => {
    const tensor = inputs[name];
    return tensor === undefined ? null : (backend.floats(tensor) ?? null);
  };
  const handle = compiledFor(plan, weightsOf, height, width);
  const [outHeight, outWidth, outChannels] = native.planOutputShape(handle);
  const out = backend.allocate(batch * outHeight * outWidth * outChannels);
  native.planRun(handle, values, out, batch);
  return backend.output([batch, outHeight, outWidth, outChannels], out);
}

/** No cpu fallback: the kernel exists only on this backend. */
export const inferencePlanKernels: readonly NativeKernel[] = [
  { kernelName: INFERENCE_PLAN, kernelFunc: inferencePlan },
];
