/**
 * `pix2pix import`: a reference PyTorch checkpoint (.pth) or a pix2pix-tensorflow / ml5.js .pict to a
 * safetensors file, the architecture read from the weights.
 */
import { importOptions } from "../../infer/import-options.ts";
import { defineCommand } from "../command.ts";

export const importCommand = defineCommand({
  options: importOptions,
  positionals: [
    {
      name: "FILE",
      help: "the .pth file (a state dict, as the reference saves) or a .pict (pix2pix-tensorflow, ml5.js)",
      arity: "one",
    },
  ],
  examples: [
    "pix2pix import latest_net_G.pth -o facades_G.safetensors",
    "pix2pix import latest_net_D.pth --net D -o facades_D.safetensors",
    "pix2pix import edges2cats_AtoB.pict   # ml5.js's model: netG unet_256_tf",
    "pix2pix import horse2zebra.pth --netG resnet_9blocks --norm instance   # a CycleGAN generator",
    "(the architecture is read from the weights; flags given must agree; keras and n_layers 4 Ds look alike: --netD keras)",
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
      `imported ${result.tensors} tensors (${result.parameters.toLocaleString("en")} parameters, ${result.network}) from ${source} to ${result.output}`,
    );
  },
});
