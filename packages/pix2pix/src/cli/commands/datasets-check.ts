/** `pix2pix datasets check DIR`: every problem in a dataset, with counts; exit status 2 when any. */

import { dataOptions } from "../../data/options.ts";
import { UserError } from "../../errors.ts";
import { option } from "../../options/schema.ts";
import { defineCommand } from "../command.ts";

export const datasetsCheckCommand = defineCommand({
  options: {
    "dataset-mode": option.enum(
      ["aligned", "folders"],
      "aligned",
      "aligned A|B images, or A/ and B/ folders",
    ),
    phase: option.string(undefined, "check only this sub-folder (default: every one found)", "name"),
    "num-threads": dataOptions["num-threads"],
    format: option.enum(["text", "json"], "text", "output format"),
  },
  positionals: [{ name: "dir", help: "the dataset folder (the --dataroot of training)", arity: "one" }],
  examples: [
    "pix2pix datasets check datasets/facades",
    "pix2pix datasets check datasets/mine --dataset-mode folders",
  ],
  async run(options, [dir = ""]) {
    // Loaded on use, so that the CLI starts without sharp / tar.
    const { checkDataset, formatCheckReport } = await import("../../data/tools/check.ts");
    const report = await checkDataset(dir, options.datasetMode, {
      ...(options.phase !== undefined && { phase: options.phase }),
      threads: options.numThreads,
    });
    console.log(options.format === "json" ? JSON.stringify(report) : formatCheckReport(report));
    if (report.totalProblems > 0) {
      throw new UserError(
        `${report.totalProblems} problem(s) in ${dir}`,
        "--skip-bad makes training leave these files out",
      );
    }
  },
});
