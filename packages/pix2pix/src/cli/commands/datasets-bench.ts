/** `pix2pix datasets bench`: how fast the loader serves pairs, as one JSON line. */
import { dataOptions } from "../../data/options.ts";
import { option } from "../../options/schema.ts";
import { defineCommand } from "../command.ts";

export const datasetsBenchCommand = defineCommand({
  options: {
    ...dataOptions,
    "batch-size": option.int(1, "pairs per batch", { min: 1 }),
    pairs: option.int(0, "stop after this many pairs (0: one whole epoch)", { min: 0 }),
  },
  positionals: [],
  examples: ["pix2pix datasets bench --dataroot datasets/facades --num-threads 2"],
  async run(options) {
    const { batchSize, pairs, ...data } = options;
    // Loaded on use, so that the CLI starts without sharp / tar.
    const { benchLoader } = await import("../../data/tools/bench.ts");
    console.log(JSON.stringify(await benchLoader(data, batchSize, pairs)));
  },
});
