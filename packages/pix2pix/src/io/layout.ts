/**
 * The one place where PyTorch layouts meet tfjs layouts. Inside tfjs everything is NHWC and conv
 * kernels are HWIO (conv2d: [h, w, in, out]; conv2dTranspose: [h, w, out, in]). PyTorch keeps conv
 * weights as OIHW and transposed-conv weights as IOHW. Both map to tfjs by the same permutation
 * (dims 2, 3, 1, 0), because the transposed conv's "I" is tfjs's outDepth. Browser-safe.
 */

/** Host-side tensor data with its shape, row-major. */
export interface HostArray {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

const TORCH_TO_TFJS_4D = [2, 3, 1, 0] as const;
const TFJS_TO_TORCH_4D = [3, 2, 0, 1] as const;
const NCHW_TO_NHWC = [0, 2, 3, 1] as const;
const NHWC_TO_NCHW = [0, 3, 1, 2] as const;

/** Row-major transpose: out dim i is input dim perm[i]. */
export function permute(input: HostArray, perm: readonly number[]): HostArray {
  const { shape, data } = input;
  if (perm.length !== shape.length) throw new Error(`permutation ${perm} does not fit shape ${shape}`);
  const outShape = perm.map((p) => shape[p] as number);
  const inStrides = strides(shape);
  const permutedStrides = perm.map((p) => inStrides[p] as number);
  const out = new Float32Array(data.length);
  const index = new Array<number>(shape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let source = 0;
    for (let d = 0; d < index.length; d++) source += (index[d] as number) * (permutedStrides[d] as number);
    out[o] = data[source] as number;
    for (let d = index.length - 1; d >= 0; d--) {
      index[d] = (index[d] as number) + 1;
      if ((index[d] as number) < (outShape[d] as number)) break;
      index[d] = 0;
    }
  }
  return { shape: outShape, data: out };
}

export function strides(shape: readonly number[]): number[] {
  const result = new Array<number>(shape.length);
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    result[d] = stride;
    stride *= shape[d] as number;
  }
  return result;
}

/** A parameter from PyTorch layout to tfjs layout: 4-D conv weights permute, everything else is shared. */
export function torchToTfjs(input: HostArray): HostArray {
  return input.shape.length === 4 ? permute(input, TORCH_TO_TFJS_4D) : input;
}

/** The inverse of torchToTfjs. */
export function tfjsToTorch(input: HostArray): HostArray {
  return input.shape.length === 4 ? permute(input, TFJS_TO_TORCH_4D) : input;
}

/** The PyTorch shape of a tfjs parameter shape. */
export function torchShape(tfjsShape: readonly number[]): number[] {
  return tfjsShape.length === 4 ? TFJS_TO_TORCH_4D.map((p) => tfjsShape[p] as number) : [...tfjsShape];
}

/** Activations: PyTorch NCHW → tfjs NHWC. */
export function nchwToNhwc(input: HostArray): HostArray {
  return permute(input, NCHW_TO_NHWC);
}

/** Activations: tfjs NHWC → PyTorch NCHW. */
export function nhwcToNchw(input: HostArray): HostArray {
  return permute(input, NHWC_TO_NCHW);
}
