/** `pix2pix test`: evaluates a trained run on a split (image files, a results page, L1 / PSNR / SSIM as JSON). */
import { testOptions } from "../../infer/test-options.ts";
import { defineCommand } from "../command.ts";

export const testCommand = defineCommand({
  options: testOptions,
  positionals: [],
  examples: [
    "pix2pix test --dataroot datasets/facades --name facades",
    "pix2pix test --name facades --eval --num-test 100   # running statistics, no dropout",
    "pix2pix test --name facades --self-contained       # the page carries its images: one file to share",
  ],
  async run(_options, _positionals, given) {
    const { runTest } = await import("../../infer/test-run.ts"); // loaded only when the command runs
    const result = await runTest(given);
    console.log(`backend: ${result.backend}`);
    const { l1, psnr, ssim } = result.mean;
    console.log(
      `${result.count} pairs: L1 ${l1.toFixed(4)}, PSNR ${psnr.toFixed(2)} dB, SSIM ${ssim.toFixed(4)}`,
    );
    console.log(`images: ${result.imagesDir}`);
    console.log(`results page: ${result.page}`);
    console.log(`metrics: ${result.metricsFile}`);
  },
});
