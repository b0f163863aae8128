/** `pix2pix import`: a reference PyTorch checkpoint (.pth) to a safetensors file, checked against the architecture. */
import { importOptions } from "../../infer/import-options.ts";
import { defineCommand } from "../command.ts";

export const importCommand = defineCommand({
  options: importOptions,
  positionals: [{ name: "FILE", help: "the .pth file (a state dict, as the reference saves)", arity: "one" }],
  examples: [
    "pix2pix import latest_net_G.pth -o facades_G.safetensors",
    "pix2pix import latest_net_D.pth --net D -o facades_D.safetensors",
    "pix2pix import horse2zebra.pth --netG resnet_9blocks --norm instance   # a CycleGAN generator",
  ],
  async run(_options, [source = ""], given) {
    const { importCheckpoint } = await import("../../infer/import-checkpoint.ts");
    const result = await importCheckpoint(source, given);
    if (result.droppedKeys.length > 0) {
      console.log(
        `dropped ${result.droppedKeys.length} instance-norm running statistics (PyTorch < 0.4 checkpoints have them)`,
      );
    }
    console.log(
      `imported ${result.tensors} tensors (${result.parameters.toLocaleString("en")} parameters) from ${source} to ${result.output}`,
    );
  },
});
