import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { LrSchedule, type LrScheduleOptions, plateauStep, scheduledLr } from "./lr-schedule.ts";

const base: LrScheduleOptions = {
  lrPolicy: "linear",
  lr: 0.0002,
  epochCount: 1,
  nEpochs: 100,
  nEpochsDecay: 100,
  lrDecayIters: 50,
};

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

describe("learning-rate policies", () => {
  test("linear keeps lr for n-epochs epochs, then decays linearly towards zero", () => {
    close(scheduledLr(base, 1), 0.0002);
    close(scheduledLr(base, 100), 0.0002);
    close(scheduledLr(base, 101), 0.0002 * (1 - 1 / 101));
    close(scheduledLr(base, 200), 0.0002 * (1 - 100 / 101));
  });

  test("step divides lr by 10 every lr-decay-iters epochs, counted from epoch-count", () => {
    const o = { ...base, lrPolicy: "step" as const, epochCount: 3 };
    close(scheduledLr(o, 3), 0.0002);
    close(scheduledLr(o, 52), 0.0002);
    close(scheduledLr(o, 53), 0.00002);
    close(scheduledLr(o, 103), 0.000002);
  });

  test("cosine anneals from lr to 0 over n-epochs epochs", () => {
    const o = { ...base, lrPolicy: "cosine" as const };
    close(scheduledLr(o, 1), 0.0002);
    close(scheduledLr(o, 51), 0.0001);
    close(scheduledLr(o, 101), 0);
  });

  test("plateau cuts lr by 5× after more than 5 epochs without a 1% improvement", () => {
    let state = { lr: 0.0002, best: Number.POSITIVE_INFINITY, badEpochs: 0 };
    state = plateauStep(state, 1.0);
    assert.equal(state.best, 1);
    state = plateauStep(state, 0.995); // under 1% better: a bad epoch
    for (let i = 0; i < 4; i++) state = plateauStep(state, 1.0);
    assert.equal(state.badEpochs, 5);
    close(state.lr, 0.0002);
    state = plateauStep(state, 1.0);
    close(state.lr, 0.00004);
    assert.equal(state.badEpochs, 0);
    state = plateauStep(state, 0.5);
    assert.deepEqual(state, { lr: state.lr, best: 0.5, badEpochs: 0 });
  });

  test("a plateau schedule restored from its state continues as the original", () => {
    const o = { ...base, lrPolicy: "plateau" as const };
    const original = LrSchedule.start(o);
    for (let e = 0; e < 4; e++) original.endEpoch(1);
    const restored = LrSchedule.resume(o, original.state());
    for (let e = 0; e < 5; e++) {
      original.endEpoch(1);
      restored.endEpoch(1);
      assert.equal(restored.lrForEpoch(10 + e), original.lrForEpoch(10 + e));
    }
    close(restored.lrForEpoch(20), 0.00004);
  });
});
