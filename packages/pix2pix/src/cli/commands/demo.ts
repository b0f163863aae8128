/**
 * `pix2pix demo`: the README's first command. Trains a small U-Net on the built-in synthetic facades
 * (label map → photo) for a time budget, evaluates it on held-out synthetic pairs, and says where the
 * training report and the results page are.
 */
import path from "node:path";
import { backendOption, runOptions, seedOption } from "../../options/common.ts";
import { option } from "../../options/schema.ts";
import { defineCommand } from "../command.ts";

/** Small enough to learn visibly in a few minutes on 2 cores (about 4 steps/s with onednn). */
const DEMO_RUN = {
  datasetMode: "synthetic",
  direction: "BtoA",
  syntheticCount: 200,
  loadSize: 128,
  cropSize: 128,
  netG: "unet_128",
  ngf: 16,
  ndf: 16,
  nEpochs: 1000, // the time budget ends the run; the learning rate stays constant until then
  nEpochsDecay: 0,
  printFreq: 50,
  displayFreq: 100,
  saveLatestFreq: 500,
} as const;

export const demoCommand = defineCommand({
  options: {
    minutes: option.float(3, "training time budget in minutes", { min: 0.05 }),
    ...runOptions,
    name: { ...runOptions.name, default: "demo" },
    "results-dir": option.string("./results", "where the test results go", "dir"),
    ...seedOption,
    ...backendOption,
  },
  positionals: [],
  examples: ["pix2pix demo", "pix2pix demo --minutes 10"],
  async run(options) {
    // Loaded here, not at the top: every command's module loads for `pix2pix --help`.
    const { runTest } = await import("../../infer/test-run.ts");
    const { createTrainingDisplay } = await import("../progress/training.ts");
    const { stopOnSignals } = await import("../stop-signals.ts");
    const { train } = await import("../../train/trainer.ts");
    const say = (line: string) => console.log(line);
    say(
      `training ${DEMO_RUN.netG} (ngf ${DEMO_RUN.ngf}) on synthetic facades, labels → photo, for ${options.minutes} min`,
    );
    const stop = stopOnSignals(say);
    const budgetSeconds = options.minutes * 60;
    const display = createTrainingDisplay({ printFreq: DEMO_RUN.printFreq, budgetSeconds });
    const common = { name: options.name, checkpointsDir: options.checkpointsDir, seed: options.seed };
    try {
      const trained = await train(
        { ...DEMO_RUN, ...common, backend: options.backend },
        {
          signal: stop.signal,
          deadline: Date.now() + budgetSeconds * 1000,
          onStep: display.onStep,
          onNote: display.onNote,
        },
      );
      display.stop();
      say(`trained ${trained.iteration} steps`);
      const tested = await runTest({
        ...common,
        resultsDir: options.resultsDir,
        datasetMode: "synthetic",
        syntheticCount: 16,
        numTest: 16,
        backend: options.backend,
      });
      const { l1, psnr, ssim } = tested.mean;
      say(
        `held-out synthetic pairs: L1 ${l1.toFixed(3)}, PSNR ${psnr.toFixed(2)} dB, SSIM ${ssim.toFixed(3)}`,
      );
      say(`training report: ${path.resolve(trained.report)}`);
      say(`test results:    ${path.resolve(tested.page)}`);
      say(
        `continue training: npx pix2pix train --name ${options.name} --checkpoints-dir ${options.checkpointsDir} --continue`,
      );
    } finally {
      display.stop();
      stop.release();
    }
  },
});
