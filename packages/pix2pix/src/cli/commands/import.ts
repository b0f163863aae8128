/** `pix2pix import`: a reference PyTorch checkpoint (.pth) to a safetensors file, checked against the architecture. */
import path from "node:path";
import { useBackend } from "../../backend.ts";
import { dataOptions } from "../../data/options.ts";
import { UserError } from "../../errors.ts";
import { saveNetwork } from "../../io/network-file.ts";
import { dropInstanceNormStats, loadNetworkStateDict } from "../../io/state-dict.ts";
import { readStateDictFile } from "../../io/state-dict-file.ts";
import {
  createDiscriminator,
  createGenerator,
  discriminatorConfig,
  generatorConfig,
} from "../../models/index.ts";
import { modelOptions } from "../../models/options.ts";
import { option } from "../../options/schema.ts";
import { defineCommand } from "../command.ts";

export const importCommand = defineCommand({
  options: {
    output: option.string(
      undefined,
      "the safetensors file to write (default: FILE with .safetensors)",
      "file",
      "o",
    ),
    net: option.enum(["G", "D"], "G", "which network the checkpoint holds: G (latest_net_G.pth) or D"),
    ...modelOptions,
    "input-nc": dataOptions["input-nc"],
    "output-nc": dataOptions["output-nc"],
  },
  positionals: [{ name: "FILE", help: "the .pth file (a state dict, as the reference saves)", arity: "one" }],
  examples: [
    "pix2pix import latest_net_G.pth -o facades_G.safetensors",
    "pix2pix import latest_net_D.pth --net D -o facades_D.safetensors",
    "pix2pix import horse2zebra.pth --netG resnet_9blocks --norm instance   # a CycleGAN generator",
  ],
  async run(options, [file]) {
    const source = file as string;
    if (!/\.pth?$/i.test(source)) {
      throw new UserError(`${source} does not end in .pth or .pt`, "give the PyTorch checkpoint to import");
    }
    const output = options.output ?? source.replace(/\.pth?$/i, ".safetensors");
    await useBackend("cpu");
    const { tensors } = await readStateDictFile(source);
    const net =
      options.net === "G"
        ? createGenerator(generatorConfig(options, options.inputNc, options.outputNc), null)
        : createDiscriminator(discriminatorConfig(options, options.inputNc, options.outputNc), null);
    try {
      // As the reference's load_networks, only under instance norm (elsewhere they are real mismatches).
      const dropped = options.norm === "instance" ? dropInstanceNormStats(tensors, net) : [];
      if (dropped.length > 0) {
        console.log(
          `dropped ${dropped.length} instance-norm running statistics (PyTorch < 0.4 checkpoints have them)`,
        );
      }
      loadNetworkStateDict(net, tensors, source);
      const architecture = Object.fromEntries(
        Object.entries({ ...options, output: undefined })
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => [k, String(v)]),
      );
      await saveNetwork(output, net, { format: "pt", source: path.basename(source), ...architecture });
      const count = [...net.params.values()].reduce((sum, v) => sum + v.size, 0);
      console.log(
        `imported ${tensors.size} tensors (${count.toLocaleString("en")} parameters) from ${source} to ${output}`,
      );
    } finally {
      net.dispose();
    }
  },
});
