/** `pix2pix models list`: the reference's pretrained pix2pix generators that `models download` fetches. */
import { PRETRAINED } from "../../infer/pretrained-models.ts";
import { option } from "../../options/schema.ts";
import { defineCommand } from "../command.ts";

export const modelsListCommand = defineCommand({
  options: { format: option.enum(["text", "json"], "text", "output format") },
  positionals: [],
  run(options) {
    if (options.format === "json") {
      console.log(JSON.stringify(PRETRAINED));
      return;
    }
    const width = Math.max(...PRETRAINED.map((m) => m.name.length));
    for (const m of PRETRAINED) {
      console.log(`${m.name.padEnd(width)}  ${m.translates} (${m.dataset}, --direction ${m.direction})`);
    }
  },
});
