/** `pix2pix translate`: one image through a generator (a safetensors file we wrote, or a reference .pth). */
import { translateOptions } from "../../infer/translate-options.ts";
import { generatorSizeMultiple } from "../../models/index.ts";
import { defineCommand } from "../command.ts";

export const translateCommand = defineCommand({
  options: translateOptions,
  positionals: [{ name: "INPUT", help: "the image to translate", arity: "one" }],
  examples: [
    "pix2pix translate --model facades_G.safetensors -o out.png in.jpg",
    "pix2pix translate --model latest_net_G.pth --eval -o out.png in.jpg",
    "pix2pix translate --model runs/facades --original-size -o out.png photo.jpg",
  ],
  async run(options, [input = ""]) {
    const { networkSize, translateImage } = await import("../../infer/translate-image.ts");
    const size = networkSize(options);
    if (size !== options.loadSize) {
      console.log(
        `${options.netG} takes multiples of ${generatorSizeMultiple(options.netG)}: resizing to ${size}×${size}`,
      );
    }
    const result = await translateImage(input, options);
    console.log(
      `wrote ${result.output} (${result.width}×${result.height}, ${result.backend} backend, ${result.milliseconds} ms)`,
    );
  },
});
