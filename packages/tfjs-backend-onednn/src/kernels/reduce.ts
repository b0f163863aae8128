/** Reductions over any set of axes: Sum, Mean, Max, Min. */
import { backend_util, type TensorInfo, util } from "@tensorflow/tfjs-core";
import { native, REDUCE_OPS, type ReduceOp } from "../native.ts";
import type { NativeKernel, NativeKernelArgs } from "./native-kernel.ts";

/** Where each reduction keeps its axes attribute. */
const AXIS_ATTR: Record<ReduceOp, string> = {
  Sum: "axis",
  Mean: "axis",
  Max: "reductionIndices",
  Min: "axis",
};

function reduceKernel(op: ReduceOp): NativeKernel {
  return {
    kernelName: op,
    kernelFunc: ({ inputs, backend, attrs }: NativeKernelArgs): TensorInfo | undefined => {
      const x = inputs.x as TensorInfo;
      let values = backend.floats(x);
      if (values === undefined || values.length === 0) return undefined;
      const rank = x.shape.length;
      const axes = [...new Set(util.parseAxisParam(attrs[AXIS_ATTR[op]] as number | number[], x.shape))].sort(
        (p, q) => p - q,
      );
      const [outShape] = backend_util.computeOutAndReduceShapes(x.shape, axes);
      const out = backend.allocate(util.sizeFromShape(outShape));
      let shape = x.shape;
      let reduced = axes;
      if (rank > 0 && !native.reduce(REDUCE_OPS.indexOf(op), values, shape, reduced, out)) {
        // The axes are scattered: move them to the end first, where they form one block.
        const perm = backend_util.getAxesPermutation(axes, rank) as number[];
        const transposed = backend.allocate(values.length);
        native.transpose(values, shape, perm, transposed);
        values = transposed;
        shape = perm.map((p) => x.shape[p] as number);
        reduced = backend_util.getInnerMostAxes(axes.length, rank);
        native.reduce(REDUCE_OPS.indexOf(op), values, shape, reduced, out);
      } else if (rank === 0) {
        out.set(values);
      }
      const keepDims = attrs.keepDims === true;
      return backend.output(keepDims ? backend_util.expandShapeToKeepDim(outShape, axes) : outShape, out);
    },
  };
}

export const reduceKernels: readonly NativeKernel[] = REDUCE_OPS.map(reduceKernel);
