/**
 * Conv2DBackpropFilter, the gradient of a convolution's filter (and of a transposed convolution's),
 * which tfjs-backend-wasm lacks. As im2col + one matrix product: the input's patches are laid out
 * transposed, one row per filter tap and input channel, one column per output pixel, so the product
 * with dy (one row per output pixel) is the filter's gradient; the backend's BatchMatMul is fast only
 * untransposed (its transposed paths are ~40x slower), hence that layout.
 */
import {
  BatchMatMul,
  type BatchMatMulAttrs,
  type backend_util,
  Conv2DBackpropFilter,
  type KernelConfig,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  Reshape,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
import { conv2dInfo } from "./conv-attrs.ts";
import { asWasmBackend, callKernel, tensorInput, WASM, type WasmBackend } from "./wasm-backend.ts";

function conv2dBackpropFilter(args: { inputs: NamedTensorInfoMap; backend: object; attrs?: NamedAttrMap }) {
  const name = Conv2DBackpropFilter;
  const attrs = args.attrs ?? {};
  const backend = asWasmBackend(args.backend, name);
  const x = tensorInput(args.inputs, "x", name);
  const dy = tensorInput(args.inputs, "dy", name);
  const info = conv2dInfo(attrs, x.shape, attrs.filterShape, name);
  const patches = transposedPatches(backend, x, info);
  const pixels = info.batchSize * info.outHeight * info.outWidth;
  const dyRows = callKernel(backend, Reshape, { x: dy }, { shape: [1, pixels, info.outChannels] });
  const matMulAttrs: BatchMatMulAttrs = { transposeA: false, transposeB: false };
  const product = callKernel(backend, BatchMatMul, { a: patches, b: dyRows }, { ...matMulAttrs });
  const dw = callKernel(backend, Reshape, { x: product }, { shape: info.filterShape });
  for (const temporary of [patches, dyRows, product]) backend.disposeData(temporary.dataId);
  return dw;
}

/** [1, taps, pixels]: row (kh, kw, ci) holds x at that tap of every output pixel (0 in the padding). */
function transposedPatches(backend: WasmBackend, x: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth, padInfo } = info;
  const pixels = batchSize * outHeight * outWidth;
  const patches = backend.makeOutput([1, filterHeight * filterWidth * inChannels, pixels], "float32");
  // Views after the allocation: an allocation may grow the heap, which detaches older views.
  const input = backend.typedArrayFromHeap(x);
  const out = backend.typedArrayFromHeap(patches);
  let row = 0;
  for (let kh = 0; kh < filterHeight; kh++) {
    for (let kw = 0; kw < filterWidth; kw++) {
      for (let ci = 0; ci < inChannels; ci++, row++) {
        let o = row * pixels;
        for (let n = 0; n < batchSize; n++) {
          for (let oh = 0; oh < outHeight; oh++) {
            const ih = oh * strideHeight + kh - padInfo.top;
            if (ih < 0 || ih >= inHeight) {
              out.fill(0, o, o + outWidth);
              o += outWidth;
              continue;
            }
            const rowStart = (n * inHeight + ih) * inWidth;
            for (let ow = 0; ow < outWidth; ow++, o++) {
              const iw = ow * strideWidth + kw - padInfo.left;
              out[o] = iw < 0 || iw >= inWidth ? 0 : (input[(rowStart + iw) * inChannels + ci] as number);
            }
          }
        }
      }
    }
  }
  return patches;
}

export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: WASM,
  kernelFunc: conv2dBackpropFilter,
};
