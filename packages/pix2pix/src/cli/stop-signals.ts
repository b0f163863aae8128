/**
 * SIGINT (Ctrl-C) and SIGTERM ask a run to stop: the current step finishes, a checkpoint is saved, and
 * the process exits 0. A second signal exits at once (status 130) without saving; the last checkpoint
 * on disk stays loadable either way.
 */
export function stopOnSignals(say: (line: string) => void): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      say(`${name} again: exiting without saving (the last checkpoint is kept)`);
      process.exit(130);
    }
    say(`${name}: finishing the current step, then saving a checkpoint (${name} again to quit now)`);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    release() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
