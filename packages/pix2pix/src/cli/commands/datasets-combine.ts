/** `pix2pix datasets combine`: A/ and B/ folders → aligned A|B images (the reference's combine_A_and_B.py). */
import { option } from "../../options/schema.ts";
import { defineCommand } from "../command.ts";
import { finishConversion, required } from "./datasets-report.ts";

export const datasetsCombineCommand = defineCommand({
  options: {
    a: option.string(undefined, "folder of A images", "dir"),
    b: option.string(undefined, "folder of B images, named as in A", "dir"),
    out: option.string(undefined, "folder for the aligned images", "dir"),
  },
  positionals: [],
  examples: ["pix2pix datasets combine --a photos --b labels --out datasets/mine"],
  async run(options) {
    const out = required(options.out, "out", "datasets combine");
    const a = required(options.a, "a", "datasets combine");
    const b = required(options.b, "b", "datasets combine");
    // Loaded on use, so that the CLI starts without sharp / tar.
    const { combineFolders } = await import("../../data/tools/combine.ts");
    finishConversion(await combineFolders(a, b, out), out);
  },
});
