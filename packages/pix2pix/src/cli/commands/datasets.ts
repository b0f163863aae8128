/** The `pix2pix datasets <subcommand>` group, in the order its help lists them. */
import type { Command } from "../command.ts";
import { datasetsBenchCommand } from "./datasets-bench.ts";
import { datasetsCheckCommand } from "./datasets-check.ts";
import { datasetsCombineCommand } from "./datasets-combine.ts";
import { datasetsDownloadCommand } from "./datasets-download.ts";
import { datasetsEdgesCommand } from "./datasets-edges.ts";
import { datasetsSplitCommand } from "./datasets-split.ts";
import { datasetsSyntheticCommand } from "./datasets-synthetic.ts";

export const datasetsCommands: readonly Command[] = [
  datasetsDownloadCommand,
  datasetsCheckCommand,
  datasetsCombineCommand,
  datasetsSplitCommand,
  datasetsEdgesCommand,
  datasetsSyntheticCommand,
  datasetsBenchCommand,
];
