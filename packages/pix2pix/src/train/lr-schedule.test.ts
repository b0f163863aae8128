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
  plateauMetric: "none",
};

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

describe("learning-rate policies", () => {
  // Expected values are PyTorch 1.13's LambdaLR (with the reference's lambda_rule), StepLR and
  // CosineAnnealingLR, stepped at the start of every epoch as the reference's train.py does.
  test("linear, as the reference: lr through epoch n-epochs − 1, then linear decay to 0 in the last epoch", () => {
    close(scheduledLr(base, 1), 0.0002);
    close(scheduledLr(base, 99), 0.0002);
    close(scheduledLr(base, 100), 0.00019801980198019803);
    close(scheduledLr(base, 101), 0.00019603960396039606);
    close(scheduledLr(base, 199), 1.980198019801982e-6);
    close(scheduledLr(base, 200), 0);
    const resumed = { ...base, epochCount: 3 }; // a run continued at epoch 3 decays by the same calendar
    close(scheduledLr(resumed, 99), 0.0002);
    close(scheduledLr(resumed, 100), 0.00019801980198019803);
  });

  test("linear equals the reference's lambda_rule after one scheduler step per epoch begun", () => {
    for (const epochCount of [1, 3]) {
      const o = { ...base, epochCount };
      const lambdaRule = (steps: number) =>
        1 - Math.max(0, steps + epochCount - o.nEpochs) / (o.nEpochsDecay + 1);
      let steps = 0;
      for (let epoch = epochCount; epoch <= o.nEpochs + o.nEpochsDecay; epoch++) {
        steps += 1; // update_learning_rate() at the top of the epoch loop
        close(scheduledLr(o, epoch), o.lr * lambdaRule(steps));
      }
    }
  });

  test("step divides lr by 10 every lr-decay-iters scheduler steps, the first taken as epoch-count begins", () => {
    const o = { ...base, lrPolicy: "step" as const, epochCount: 3 };
    close(scheduledLr(o, 3), 0.0002);
    close(scheduledLr(o, 51), 0.0002);
    close(scheduledLr(o, 52), 0.00002);
    close(scheduledLr(o, 101), 0.00002);
    close(scheduledLr(o, 102), 0.000002);
  });

  test("cosine anneals from lr to 0 over n-epochs scheduler steps", () => {
    const o = { ...base, lrPolicy: "cosine" as const };
    close(scheduledLr(o, 1), 0.00019995065603657316);
    close(scheduledLr(o, 50), 0.0001);
    close(scheduledLr(o, 99), 4.934396342684008e-8);
    close(scheduledLr(o, 100), 0);
    close(scheduledLr(o, 150), 0.0001);
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
    const o = { ...base, lrPolicy: "plateau" as const, plateauMetric: "G_L1" as const };
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

  test("plateau without a metric is the reference's: a constant 0 cuts lr 5× every 6 epochs", () => {
    // PyTorch 1.13: ReduceLROnPlateau(mode min, factor 0.2, threshold 0.01, patience 5), step(0) as
    // each epoch begins, from epoch 1: lr 2e-4 for epochs 1-6, 4e-5 for 7-12, 8e-6 for 13-18, 1.6e-6.
    const o = { ...base, lrPolicy: "plateau" as const };
    const expected = [2e-4, 2e-4, 2e-4, 2e-4, 2e-4, 2e-4, 4e-5, 4e-5, 4e-5, 4e-5, 4e-5, 4e-5, 8e-6];
    for (const [i, lr] of expected.entries()) close(scheduledLr(o, i + 1), lr);
    close(scheduledLr(o, 19), 1.6e-6);
    const schedule = LrSchedule.start(o);
    for (let epoch = 1; epoch <= 13; epoch++) {
      close(schedule.lrForEpoch(epoch), expected[epoch - 1] as number);
      schedule.endEpoch(0.1 / epoch); // an improving loss changes nothing: the reference never looks at it
    }
    assert.equal(schedule.state(), undefined);
  });
});
