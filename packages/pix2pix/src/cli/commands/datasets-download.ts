/** `pix2pix datasets download NAME`: an official pix2pix dataset, downloaded and extracted. */

import { DEFAULT_DATASETS_URL, OFFICIAL_DATASETS } from "../../data/tools/official.ts";
import { UserError } from "../../errors.ts";
import { option } from "../../options/schema.ts";
import { defineCommand } from "../command.ts";

export const datasetsDownloadCommand = defineCommand({
  options: {
    dir: option.string("datasets", "folder to extract into (the dataset lands in DIR/NAME)", "dir"),
    url: option.string(
      undefined,
      `base URL of the archives (NAME.tar.gz); PIX2PIX_DATASETS_URL or ${DEFAULT_DATASETS_URL}`,
      "url",
    ),
    sha256: option.string(undefined, "expected SHA-256 of the archive, checked before extracting", "hex"),
  },
  positionals: [{ name: "name", help: `one of ${OFFICIAL_DATASETS.join(", ")}`, arity: "one" }],
  examples: ["pix2pix datasets download facades", "pix2pix datasets download maps --dir /data"],
  async run(options, [name = ""]) {
    if (!(OFFICIAL_DATASETS as readonly string[]).includes(name)) {
      throw new UserError(
        `unknown dataset '${name}'`,
        `the official datasets: ${OFFICIAL_DATASETS.join(", ")}`,
      );
    }
    // Loaded on use, so that the CLI starts without sharp / tar.
    const { downloadDataset } = await import("../../data/tools/download.ts");
    const { createProgress } = await import("../progress/transfer.ts");
    const result = await downloadDataset({
      name,
      dest: options.dir,
      baseUrl: options.url ?? process.env.PIX2PIX_DATASETS_URL ?? DEFAULT_DATASETS_URL,
      ...(options.sha256 !== undefined && { sha256: options.sha256 }),
      progress: (label, total) => createProgress({ label, total, unit: "bytes" }),
    });
    console.log(`${name}: ${result.folder} (sha256 ${result.sha256}, ${result.bytes} bytes)`);
  },
});
