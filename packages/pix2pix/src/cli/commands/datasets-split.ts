/** `pix2pix datasets split`: aligned A|B images → A/ and B/ folders (the inverse of combine). */
import { option } from "../../options/schema.ts";
import { defineCommand } from "../command.ts";
import { finishConversion } from "./datasets-report.ts";

export const datasetsSplitCommand = defineCommand({
  options: {
    out: option.required("folder that receives A/ and B/", "dir"),
  },
  positionals: [{ name: "input", help: "folder of aligned images", arity: "one" }],
  examples: ["pix2pix datasets split datasets/facades --out datasets/facades-folders"],
  async run(options, [input = ""]) {
    // Loaded on use, so that the CLI starts without sharp / tar.
    const { splitAligned } = await import("../../data/tools/combine.ts");
    finishConversion(await splitAligned(input, options.out), options.out);
  },
});
