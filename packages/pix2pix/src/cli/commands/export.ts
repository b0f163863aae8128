/**
 * `pix2pix export`: a generator as an ONNX file (eval mode: running BN statistics, no dropout), as our
 * safetensors (with its architecture) or as a .pth state dict for the reference.
 */
import { useBackend } from "../../backend.ts";
import { exportOptions } from "../../infer/export-options.ts";
import { defineCommand } from "../command.ts";

const WRITTEN_AS = {
  onnx: "eval mode, ONNX opset 13",
  safetensors: "safetensors with the architecture in its metadata",
  pth: "a state dict for torch.load(weights_only=True)",
} as const;

export const exportCommand = defineCommand({
  options: exportOptions,
  positionals: [],
  examples: [
    "pix2pix export --model facades_G.safetensors -o facades_G.onnx",
    "pix2pix export --model checkpoints/facades -o facades.onnx",
    "pix2pix export --model checkpoints/facades -o latest_net_G.pth   # for the reference's test.py",
    "pix2pix export --model edges2cats.pict -o edges2cats.safetensors",
    "(ONNX: input 'input' [N, C, H, W] and output 'output' in [-1, 1]; the paper's test mode, batch statistics and dropout, is not exported)",
  ],
  async run(_options, _positionals, given) {
    await useBackend("cpu"); // holds the weights only, computes nothing
    const { exportGenerator } = await import("../../infer/export-generator.ts");
    const { output, format, source, bytes, architecture } = await exportGenerator(given);
    const { netG, ngf, norm } = architecture;
    console.log(
      `wrote ${output} (${(bytes / 2 ** 20).toFixed(1)} MiB; ${netG} ngf ${ngf} ${norm} norm from ${source}, ${WRITTEN_AS[format]})`,
    );
  },
});
