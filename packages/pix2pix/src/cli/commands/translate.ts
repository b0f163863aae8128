/**
 * `pix2pix translate`: images through a generator (a safetensors file we wrote, a reference .pth, or a
 * run). One image file to one output file, or files, folders and globs into an output folder.
 */
import { stat } from "node:fs/promises";
import { UserError } from "../../errors.ts";
import { type TranslateOptions, translateOptions } from "../../infer/translate-options.ts";
import { defineCommand } from "../command.ts";
import { createProgress, type Progress } from "../progress/transfer.ts";

const IMAGE_OUTPUT = /\.(png|jpe?g|webp)$/i;

/** `translate in.png -o out.png`: one existing file to an image file. */
async function isSingleFile(inputs: readonly string[], output: string): Promise<boolean> {
  const [only] = inputs;
  if (inputs.length !== 1 || only === undefined || !IMAGE_OUTPUT.test(output)) return false;
  return (await stat(only).catch(() => undefined))?.isFile() ?? false;
}

/** A progress bar created when the first report gives its total. */
function lazyProgress(label: string) {
  let progress: Progress | undefined;
  return {
    update(done: number, total: number) {
      progress ??= createProgress({ label, total, unit: "items" });
      progress.update(done);
    },
    stop: () => progress?.stop(),
  };
}

async function translateOne(input: string, o: TranslateOptions, given: Partial<TranslateOptions>) {
  const { translateImage } = await import("../../infer/translate-image.ts");
  if (o.skipExisting && (await stat(o.output).catch(() => undefined))) {
    console.log(`skipped ${input}: ${o.output} exists (--skip-existing)`);
    return;
  }
  const tiles = lazyProgress("tiles");
  const result = await translateImage(input, given, tiles.update).finally(tiles.stop);
  const { netG, ngf, norm } = result.architecture;
  if (given.loadSize !== undefined && result.networkSize !== given.loadSize) {
    console.log(
      `${netG} takes other sizes than ${given.loadSize}: ran at ${result.networkSize}×${result.networkSize}`,
    );
  }
  const how =
    result.tiles > 0 ? `${result.tiles} tiles of ${result.networkSize}×${result.networkSize}; ` : "";
  console.log(
    `wrote ${result.output} (${result.width}×${result.height}; ${how}${netG} ngf ${ngf} ${norm} norm, ${result.backend} backend, ${result.milliseconds} ms)`,
  );
}

async function translateMany(inputs: string[], o: TranslateOptions, given: Partial<TranslateOptions>) {
  if (IMAGE_OUTPUT.test(o.output)) {
    throw new UserError(
      `-o ${o.output} names an image, but the inputs are several files, folders or globs`,
      "give -o a folder to write the outputs into",
    );
  }
  const { useBackend } = await import("../../backend.ts");
  const { openTranslator } = await import("../../infer/translate-image.ts");
  const { translationItems } = await import("../../infer/translate-inputs.ts");
  const { translateFolder } = await import("../../infer/translate-folder.ts");
  const { fileTranslationOptions } = await import("../../infer/translate-file.ts");
  const items = await translationItems(inputs, o.output);
  const backend = await useBackend(o.backend);
  const { generator, size } = await openTranslator(o, given);
  const { netG, ngf, norm } = generator.architecture;
  const started = performance.now();
  const progress = lazyProgress("translate");
  const options = {
    ...fileTranslationOptions(o, size),
    skipExisting: o.skipExisting,
    numThreads: o.numThreads,
  };
  const summary = await translateFolder(generator, items, options, progress.update).finally(() => {
    progress.stop();
    generator.network.dispose();
  });
  const seconds = (performance.now() - started) / 1000;
  const rate = summary.done > 0 ? `, ${(summary.done / seconds).toFixed(2)} images/s` : "";
  console.log(
    `translated ${summary.done}, skipped ${summary.skipped} (output exists), failed ${summary.failed.length} of ${items.length} into ${o.output} (${netG} ngf ${ngf} ${norm} norm at ${size}×${size}, ${backend} backend, ${seconds.toFixed(1)} s${rate})`,
  );
  for (const { input, reason } of summary.failed) console.log(`failed: ${input}: ${reason}`);
  if (summary.failed.length > 0) {
    throw new UserError(
      `${summary.failed.length} of ${items.length} inputs could not be translated (listed above)`,
      o.skipExisting
        ? "fix or remove them, then run the same command again: it does only what is left"
        : "fix or remove them, then run the same command with --skip-existing to do only what is left",
    );
  }
}

export const translateCommand = defineCommand({
  options: translateOptions,
  positionals: [
    {
      name: "INPUT",
      help: "image files, folders (searched recursively) or quoted globs ('photos/**/*.jpg')",
      arity: "many",
    },
  ],
  examples: [
    "pix2pix translate --model facades_G.safetensors -o out.png in.jpg",
    "pix2pix translate --model latest_net_G.pth --eval -o out.png in.jpg",
    "pix2pix translate --model checkpoints/facades --original-size -o out.png photo.jpg",
    "pix2pix translate --model sat2map.safetensors --eval --batch-size 8 --skip-existing -o maps/ photos/",
    "pix2pix translate --model sat2map.safetensors --eval --tile on -o city_map.png city.jpg",
    "(--netG, --ngf, --norm, --input-nc and --output-nc are read from the weights; given, they must agree)",
    "(tiles: by default for images larger than the network's size when the generator is fully convolutional:",
    " a ResNet, or a U-Net with --eval; in the paper's test mode a U-Net normalises each tile by its own",
    " statistics, so tiles may differ in tone: --tile on asks for it anyway, --tile off scales instead)",
  ],
  async run(options, inputs, given) {
    if (await isSingleFile(inputs, options.output)) await translateOne(inputs[0] as string, options, given);
    else await translateMany(inputs, options, given);
  },
});
