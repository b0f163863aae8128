/** `pix2pix translate`: one image through a generator (a safetensors file we wrote, a reference .pth, or a run). */
import { translateOptions } from "../../infer/translate-options.ts";
import { defineCommand } from "../command.ts";

export const translateCommand = defineCommand({
  options: translateOptions,
  positionals: [{ name: "INPUT", help: "the image to translate", arity: "one" }],
  examples: [
    "pix2pix translate --model facades_G.safetensors -o out.png in.jpg",
    "pix2pix translate --model latest_net_G.pth --eval -o out.png in.jpg",
    "pix2pix translate --model checkpoints/facades --original-size -o out.png photo.jpg",
    "(--netG, --ngf, --norm, --input-nc and --output-nc are read from the weights; given, they must agree)",
  ],
  async run(_options, [input = ""], given) {
    const { translateImage } = await import("../../infer/translate-image.ts");
    const result = await translateImage(input, given);
    const { netG, ngf, norm } = result.architecture;
    if (given.loadSize !== undefined && result.networkSize !== given.loadSize) {
      console.log(
        `${netG} takes other sizes than ${given.loadSize}: ran at ${result.networkSize}×${result.networkSize}`,
      );
    }
    console.log(
      `wrote ${result.output} (${result.width}×${result.height}; ${netG} ngf ${ngf} ${norm} norm, ${result.backend} backend, ${result.milliseconds} ms)`,
    );
  },
});
