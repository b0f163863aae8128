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

/** Row-major transpose: out dim i is input dim perm[i]. The innermost output dim runs as a plain strided loop. */
export function permute(input: HostArray, perm: readonly number[]): HostArray {
  const { shape, data } = input;
  if (perm.length !== shape.length) throw new Error(`permutation ${perm} does not fit shape ${shape}`);
  const outShape = perm.map((p) => shape[p] as number);
  const inStrides = strides(shape);
  const from = perm.map((p) => inStrides[p] as number); // input stride of each output dim
  const out = new Float32Array(data.length);
  if (out.length === 0) return { shape: outShape, data: out };
  const last = outShape.length - 1;
  const inner = last >= 0 ? (outShape[last] as number) : 1;
  const innerStride = last >= 0 ? (from[last] as number) : 0;
  const index = new Array<number>(Math.max(last, 0)).fill(0);
  let base = 0; // input offset of the current row's first element
  for (let o = 0; o < out.length; o += inner) {
    for (let k = 0, source = base; k < inner; k++, source += innerStride) out[o + k] = data[source] as number;
    for (let d = last - 1; d >= 0; d--) {
      index[d] = (index[d] as number) + 1;
      base += from[d] as number;
      if ((index[d] as number) < (outShape[d] as number)) break;
      base -= (index[d] as number) * (from[d] as number);
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
export function torchShape(tfjs: readonly number[]): number[] {
  return tfjs.length === 4 ? TFJS_TO_TORCH_4D.map((p) => tfjs[p] as number) : [...tfjs];
}

/** The tfjs shape of a PyTorch parameter shape. */
export function tfjsShape(torch: readonly number[]): number[] {
  return torch.length === 4 ? TORCH_TO_TFJS_4D.map((p) => torch[p] as number) : [...torch];
}

/** Activations: PyTorch NCHW → tfjs NHWC. */
export function nchwToNhwc(input: HostArray): HostArray {
  return permute(input, NCHW_TO_NHWC);
}

/** Activations: tfjs NHWC → PyTorch NCHW. */
export function nhwcToNchw(input: HostArray): HostArray {
  return permute(input, NHWC_TO_NCHW);
}
