/** `pix2pix datasets edges`: photos → aligned edges | photo pairs for sketch-to-image training. */
import { DEFAULT_CANNY } from "../../data/canny.ts";
import { option } from "../../options/schema.ts";
import { defineCommand } from "../command.ts";
import { finishConversion } from "./datasets-report.ts";

export const datasetsEdgesCommand = defineCommand({
  options: {
    out: option.required("folder for the aligned edges | photo images (PNG)", "dir"),
    sigma: option.float(DEFAULT_CANNY.sigma, "gaussian blur before the gradients, in pixels", { min: 0 }),
    low: option.float(DEFAULT_CANNY.low, "edges continue above this fraction of the strongest gradient", {
      min: 0,
      max: 1,
    }),
    high: option.float(DEFAULT_CANNY.high, "edges start above this fraction of the strongest gradient", {
      min: 0,
      max: 1,
    }),
  },
  positionals: [{ name: "input", help: "folder of photos (sub-folders are kept)", arity: "one" }],
  examples: ["pix2pix datasets edges photos/ --out datasets/edges2photos"],
  async run(options, [input = ""]) {
    const { sigma, low, high, out } = options;
    // Loaded on use, so that the CLI starts without sharp / tar.
    const { makeEdgePairs } = await import("../../data/tools/edges.ts");
    finishConversion(await makeEdgePairs(input, out, { sigma, low, high: Math.max(low, high) }), out);
  },
});
