/** `pix2pix datasets synthetic`: the built-in synthetic pairs written as aligned PNG files. */
import { option } from "../../options/schema.ts";
import { defineCommand } from "../command.ts";

export const datasetsSyntheticCommand = defineCommand({
  options: {
    out: option.required("folder to write into (files go to OUT/PHASE/)", "dir"),
    count: option.int(16, "how many pairs", { min: 1 }),
    size: option.int(256, "side of each half, in pixels", { min: 16, max: 4096 }),
    phase: option.string("train", "which split's pairs: train, val or test (different pairs each)", "name"),
  },
  positionals: [],
  examples: ["pix2pix datasets synthetic --out datasets/synthetic --count 200"],
  async run(options) {
    // Loaded on use, so that the CLI starts without sharp / tar.
    const { writeSyntheticFiles } = await import("../../data/tools/synthetic-files.ts");
    const { out } = options;
    const files = await writeSyntheticFiles({
      out,
      count: options.count,
      size: options.size,
      phase: options.phase,
    });
    console.log(`wrote ${files.length} pair(s) to ${out}/${options.phase}`);
  },
});
