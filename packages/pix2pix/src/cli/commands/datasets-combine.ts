/** `pix2pix datasets combine`: A/ and B/ folders → aligned A|B images (the reference's combine_A_and_B.py). */
import { option } from "../../options/schema.ts";
import { defineCommand } from "../command.ts";
import { finishConversion } from "./datasets-report.ts";

export const datasetsCombineCommand = defineCommand({
  options: {
    a: option.required("folder of A images", "dir"),
    b: option.required("folder of B images, named as in A", "dir"),
    out: option.required("folder for the aligned images", "dir"),
  },
  positionals: [],
  examples: ["pix2pix datasets combine --a photos --b labels --out datasets/mine"],
  async run(options) {
    // Loaded on use, so that the CLI starts without sharp / tar.
    const { combineFolders } = await import("../../data/tools/combine.ts");
    finishConversion(await combineFolders(options.a, options.b, options.out), options.out);
  },
});
