/**
 * Inference speed against onnxruntime-node (issue 11): exports the bench's U-Net generator to ONNX,
 * runs it with onnxruntime (as many threads as the onednn backend) and times ours beside it, in eval
 * mode and in the paper's test mode; prints one JSON line with `infer_ratio_onnxruntime` (ours in eval
 * mode / onnxruntime). packages/pix2pix/src/bench/onnx-baseline.ts says how it measures.
 *
 * usage: node --import tsx tools/onnx-baseline.ts [--size 256] [--ngf 64] [--batch 1] [--iters 10]
 */
import { parseArgs } from "node:util";
import { useBackend } from "../packages/pix2pix/src/backend.ts";
import { measureOnnxBaseline } from "../packages/pix2pix/src/bench/onnx-baseline.ts";

const { values } = parseArgs({
  options: {
    size: { type: "string", default: "256" },
    ngf: { type: "string", default: "64" },
    batch: { type: "string", default: "1" },
    iters: { type: "string", default: "10" },
  },
});
await useBackend("onednn");
const report = await measureOnnxBaseline({
  size: Number(values.size),
  ngf: Number(values.ngf),
  batch: Number(values.batch),
  iters: Number(values.iters),
});
console.log(JSON.stringify(report));
