/**
 * Conv2DBackpropInput, a convolution's input gradient and the transposed convolution's forward pass
 * (the U-Net's up layers). tfjs-backend-wasm has one, a direct loop ~3x slower than its own matrix
 * product on a pix2pix step's shapes; this one is that product and col2im: dy (one row per output
 * pixel) times the filter (one row per output channel) gives each output pixel's contribution to
 * every tap, which is added into the input's pixels in one pass.
 */
import {
  BatchMatMul,
  type BatchMatMulAttrs,
  type backend_util,
  Conv2DBackpropInput,
  type KernelConfig,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  Reshape,
  type TensorInfo,
  Transpose,
  type TransposeAttrs,
} from "@tensorflow/tfjs-core";
import { conv2dInfo } from "./conv-attrs.ts";
import { asWasmBackend, callKernel, tensorInput, WASM, type WasmBackend } from "./wasm-backend.ts";

function conv2dBackpropInput(args: { inputs: NamedTensorInfoMap; backend: object; attrs?: NamedAttrMap }) {
  const name = Conv2DBackpropInput;
  const attrs = args.attrs ?? {};
  const backend = asWasmBackend(args.backend, name);
  const dy = tensorInput(args.inputs, "dy", name);
  const filter = tensorInput(args.inputs, "filter", name);
  const info = conv2dInfo(attrs, attrs.inputShape, filter.shape, name);
  const { batchSize, outHeight, outWidth, outChannels, filterHeight, filterWidth, inChannels } = info;
  const pixels = batchSize * outHeight * outWidth;
  const taps = filterHeight * filterWidth * inChannels;
  const dyRows = callKernel(backend, Reshape, { x: dy }, { shape: [1, pixels, outChannels] });
  // [kh, kw, ci, co] → [co, kh, kw, ci]: the product's right side untransposed, its fast path.
  const perm: TransposeAttrs = { perm: [3, 0, 1, 2] };
  const filterByOutput = callKernel(backend, Transpose, { x: filter }, { ...perm });
  const filterRows = callKernel(backend, Reshape, { x: filterByOutput }, { shape: [1, outChannels, taps] });
  const matMulAttrs: BatchMatMulAttrs = { transposeA: false, transposeB: false };
  const columns = callKernel(backend, BatchMatMul, { a: dyRows, b: filterRows }, { ...matMulAttrs });
  const dx = addColumns(backend, columns, info);
  for (const temporary of [dyRows, filterByOutput, filterRows, columns])
    backend.disposeData(temporary.dataId);
  return dx;
}

/** col2im: the input-shaped sum of each output pixel's row of tap contributions (none in the padding). */
function addColumns(backend: WasmBackend, columns: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth, padInfo } = info;
  const dx = backend.makeOutput([batchSize, inHeight, inWidth, inChannels], "float32");
  // Views after the allocation: an allocation may grow the heap, which detaches older views.
  const out = backend.typedArrayFromHeap(dx);
  const cols = backend.typedArrayFromHeap(columns);
  out.fill(0);
  let c = 0;
  for (let n = 0; n < batchSize; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        for (let kh = 0; kh < filterHeight; kh++) {
          const ih = oh * strideHeight + kh - padInfo.top;
          if (ih < 0 || ih >= inHeight) {
            c += filterWidth * inChannels;
            continue;
          }
          for (let kw = 0; kw < filterWidth; kw++) {
            const iw = ow * strideWidth + kw - padInfo.left;
            if (iw < 0 || iw >= inWidth) {
              c += inChannels;
              continue;
            }
            const base = ((n * inHeight + ih) * inWidth + iw) * inChannels;
            for (let ci = 0; ci < inChannels; ci++, c++) {
              out[base + ci] = (out[base + ci] as number) + (cols[c] as number);
            }
          }
        }
      }
    }
  }
  return dx;
}

export const conv2dBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: WASM,
  kernelFunc: conv2dBackpropInput,
};
