/**
 * `pix2pix serve-bench`: `pix2pix serve` under load (autocannon at several concurrencies, a U-Net-256
 * and a 256×256 JPEG); prints one JSON object (README § Serving).
 */
import { UserError } from "../../errors.ts";
import { backendOption, seedOption } from "../../options/common.ts";
import { option } from "../../options/schema.ts";
import { defineCommand } from "../command.ts";

function concurrencies(text: string): number[] {
  const values = text.split(",").map((s) => Number(s.trim()));
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new UserError(`--concurrency takes whole numbers separated by commas, got '${text}'`);
  }
  return values;
}

export const serveBenchCommand = defineCommand({
  options: {
    concurrency: option.string("1,8,32", "concurrent connections of each level, comma-separated", "list"),
    requests: option.int(600, "requests per level", { min: 1 }),
    warmup: option.int(200, "requests before the levels (the first memory reading follows them)", { min: 1 }),
    ngf: option.int(64, "filters of the U-Net-256 generator (random weights)", { min: 1 }),
    "max-batch": option.int(8, "the server's --max-batch", { min: 1 }),
    eval: option.flag("translate in eval mode (running statistics, no dropout: real batches)"),
    ...seedOption,
    ...backendOption,
  },
  positionals: [],
  examples: ["pix2pix serve-bench", "pix2pix serve-bench --requests 100 --warmup 20 --concurrency 1,8"],
  async run(options) {
    const { benchServe } = await import("../../bench/serve-speed.ts");
    const report = await benchServe(
      { ...options, concurrency: concurrencies(options.concurrency), cli: process.argv[1] as string },
      (line) => console.error(line),
    );
    console.log(JSON.stringify(report));
  },
});
