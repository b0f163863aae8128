/**
 * Chooses the TensorFlow.js backend for Node: `auto` takes the fastest one that loads here.
 * Node-only (the browser studio picks webgl/webgpu/wasm itself).
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { UserError } from "./errors.ts";

/** Fastest first: `auto` tries them in this order. */
export const BACKENDS = ["cpu"] as const;
export type BackendName = (typeof BACKENDS)[number];
export const BACKEND_CHOICES = ["auto", ...BACKENDS] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** Makes `choice` the active tfjs backend and returns the name of the backend in use. */
export async function useBackend(choice: BackendChoice): Promise<BackendName> {
  const candidates: readonly BackendName[] = choice === "auto" ? BACKENDS : [choice];
  for (const name of candidates) {
    if (await tf.setBackend(name)) {
      await tf.ready();
      return name;
    }
  }
  throw new UserError(
    `backend '${choice}' could not be started`,
    `allowed values: ${BACKEND_CHOICES.join(", ")}`,
  );
}
