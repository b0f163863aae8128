/**
 * Chooses the TensorFlow.js backend for Node: `auto` takes the fastest, the native `onednn` backend,
 * and says how to install it when it cannot load, rather than silently running 10-100x slower on `cpu`.
 * Node-only (the browser studio picks webgl/webgpu/wasm itself).
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { UserError } from "./errors.ts";

/** Fastest first: `auto` takes the first. */
export const BACKENDS = ["onednn", "cpu"] as const;
export type BackendName = (typeof BACKENDS)[number];
export const BACKEND_CHOICES = ["auto", ...BACKENDS] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/**
 * Loads the onednn backend's package, which registers it. Imported lazily, so that `--backend cpu`
 * works on a machine where the native addon was never built.
 */
async function registerOnednn(): Promise<void> {
  try {
    await import("tfjs-backend-onednn");
  } catch (error) {
    if (!(error instanceof Error) || error.name !== "OnednnUnavailableError") throw error;
    const reason = (error as Error & { reason?: string }).reason ?? error.message;
    throw new UserError(
      `the onednn backend cannot load: ${reason}`,
      "install oneDNN 2.x ('apt-get install libdnnl-dev g++ make python3' on Debian), then 'npm rebuild tfjs-backend-onednn' (in a checkout: 'bash scripts/setup.sh'); " +
        "'--backend cpu' runs without it, much slower",
    );
  }
}

/** Makes `choice` the active tfjs backend and returns the name of the backend in use. */
export async function useBackend(choice: BackendChoice): Promise<BackendName> {
  const name: BackendName = choice === "auto" ? BACKENDS[0] : choice;
  if (name === "onednn") await registerOnednn();
  if (!(await tf.setBackend(name))) {
    throw new UserError(
      `backend '${name}' could not be started`,
      `allowed values: ${BACKEND_CHOICES.join(", ")}`,
    );
  }
  await tf.ready();
  // The cpu backend greets its first tensor with advice to install tfjs-node, which is not our path.
  if (name === "cpu") (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  return name;
}
