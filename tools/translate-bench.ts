/**
 * Translation at scale (issue 15): images/s through `translate` on a folder of 256×256 PNGs at batch
 * 1, 4 and 8, and megapixels/s and peak memory for one large image in tiles, each beside the network
 * alone in the same run; prints one JSON line. packages/pix2pix/src/bench/translate-speed.ts says how
 * it measures.
 *
 * usage: node --import tsx tools/translate-bench.ts [--ngf 64] [--images 16] [--side 4096]
 *          [--tile-batch 4] [--mode eval|test] [--num-threads 2] [--batches 1,4,8]
 */
import { parseArgs } from "node:util";
import { useBackend } from "../packages/pix2pix/src/backend.ts";
import { measureTranslateSpeed } from "../packages/pix2pix/src/bench/translate-speed.ts";

const { values } = parseArgs({
  options: {
    ngf: { type: "string", default: "64" },
    images: { type: "string", default: "16" },
    side: { type: "string", default: "4096" },
    "tile-batch": { type: "string", default: "4" },
    mode: { type: "string", default: "eval" },
    "num-threads": { type: "string", default: "2" },
    batches: { type: "string", default: "1,4,8" },
  },
});
const mode = values.mode === "test" ? "test" : "eval";
const backend = await useBackend("auto");
const report = await measureTranslateSpeed({
  ngf: Number(values.ngf),
  images: Number(values.images),
  side: Number(values.side),
  tileBatch: Number(values["tile-batch"]),
  mode,
  numThreads: Number(values["num-threads"]),
  batches: values.batches.split(",").map(Number),
  backend,
});
console.log(JSON.stringify(report));
