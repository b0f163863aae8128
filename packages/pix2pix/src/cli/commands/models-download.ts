/** `pix2pix models download NAME`: a pretrained generator of the reference, as a ready safetensors file. */
import { DEFAULT_MODELS_URL, PRETRAINED } from "../../infer/pretrained-models.ts";
import { option } from "../../options/schema.ts";
import { defineCommand } from "../command.ts";

export const modelsDownloadCommand = defineCommand({
  options: {
    out: option.string("models", "folder for NAME.safetensors", "dir"),
    url: option.string(
      undefined,
      `base URL of the .pth files; PIX2PIX_MODELS_URL or ${DEFAULT_MODELS_URL}`,
      "url",
    ),
  },
  positionals: [{ name: "name", help: `one of ${PRETRAINED.map((m) => m.name).join(", ")}`, arity: "one" }],
  examples: [
    "pix2pix models download facades_label2photo",
    "pix2pix translate --model models/facades_label2photo.safetensors -o photo.png labels.png",
  ],
  async run(options, [name = ""]) {
    // Loaded on use, so that the CLI starts without tfjs.
    const { downloadPretrained } = await import("../../infer/pretrained.ts");
    const { createProgress } = await import("../progress/transfer.ts");
    const result = await downloadPretrained({
      name,
      out: options.out,
      baseUrl: options.url ?? process.env.PIX2PIX_MODELS_URL ?? DEFAULT_MODELS_URL,
      progress: (label, total) => createProgress({ label, total, unit: "bytes" }),
    });
    console.log(
      `${name}: ${result.output} (${result.model.translates}; ${result.parameters.toLocaleString("en")} parameters)`,
    );
  },
});
