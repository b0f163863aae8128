/** `pix2pix env`: what this installation runs on, for bug reports and for checking a setup. */
import os from "node:os";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../../backend.ts";
import { backendOption } from "../../options/common.ts";
import { option } from "../../options/schema.ts";
import { defineCommand } from "../command.ts";

export const envCommand = defineCommand({
  options: {
    ...backendOption,
    format: option.enum(["text", "json"], "text", "output format"),
  },
  positionals: [],
  async run(options) {
    const backend = await useBackend(options.backend);
    const report = {
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
      cpus: os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model ?? "unknown",
      tfjs: tf.version_core,
      backend,
    };
    if (options.format === "json") {
      console.log(JSON.stringify(report));
    } else {
      for (const [key, value] of Object.entries(report)) console.log(`${key.padEnd(9)} ${value}`);
    }
  },
});
