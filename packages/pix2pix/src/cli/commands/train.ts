/** `pix2pix train`: trains a model with the reference implementation's options. */
import { trainOptions } from "../../train/options.ts";
import { defineCommand } from "../command.ts";

export const trainCommand = defineCommand({
  options: trainOptions,
  positionals: [],
  examples: [
    "pix2pix train --dataroot datasets/facades --direction BtoA --name facades",
    "pix2pix train --name facades --continue        # resume after Ctrl-C, exactly where it stopped",
    "pix2pix train --dataset-mode synthetic --netG unet_128 --crop-size 128 --load-size 142 --name synth",
  ],
  async run(options) {
    // Loaded here, not at the top: every command's module loads for `pix2pix --help`.
    const { createTrainingDisplay } = await import("../progress/training.ts");
    const { stopOnSignals } = await import("../stop-signals.ts");
    const { train } = await import("../../train/trainer.ts");
    const say = (line: string) => console.log(line);
    const stop = stopOnSignals(say);
    const display = createTrainingDisplay({ printFreq: options.printFreq });
    try {
      const result = await train(options, {
        signal: stop.signal,
        onStep: display.onStep,
        onNote: display.onNote,
      });
      display.stop();
      if (result.outcome === "stopped") {
        say(
          `stopped at epoch ${result.epoch}, iteration ${result.iteration}; resume with: pix2pix train --name ${options.name} --checkpoints-dir ${options.checkpointsDir} --continue`,
        );
      } else {
        say(`finished ${result.iteration} iterations`);
      }
      say(`checkpoints: ${result.dir}`);
      say(`report: ${result.report}`);
    } finally {
      display.stop();
      stop.release();
    }
  },
});
