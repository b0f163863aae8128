/** `pix2pix queue add`: one job per input image in the queue's Redis, for `pix2pix worker`s to translate. */
import { queueAddOptions } from "../../queue/options.ts";
import { defineCommand } from "../command.ts";

export const queueAddCommand = defineCommand({
  options: queueAddOptions,
  positionals: [
    { name: "INPUT", help: "image files, folders (recursively) or globs ('photos/**/*.jpg')", arity: "many" },
  ],
  examples: [
    "pix2pix queue add --redis redis://queue-host:6379 --model /shared/sat2map.safetensors -o /shared/maps /shared/satellite",
    "PIX2PIX_REDIS_URL=redis://queue-host:6379 pix2pix queue add --model /shared/run --eval --skip-existing -o /shared/out '/shared/in/**/*.jpg'",
    "(paths are stored absolute: every worker must see the model, the inputs and the output folder at the same paths)",
  ],
  async run(options, inputs, given) {
    const { queueImages } = await import("../../queue/add.ts");
    const added = await queueImages(inputs, options, given);
    const notes = [
      ...(added.pending > 0 ? [`${added.pending} already waiting or running`] : []),
      ...(added.existing > 0 ? [`${added.existing} left out: their outputs exist`] : []),
    ];
    const note = notes.length > 0 ? ` (${notes.join("; ")})` : "";
    console.log(
      `queued ${added.queued} image${added.queued === 1 ? "" : "s"} on '${added.queue}' at ${added.url}${note}`,
    );
    console.log(`start workers with: pix2pix worker --redis ${added.url} --queue ${added.queue}`);
  },
});
