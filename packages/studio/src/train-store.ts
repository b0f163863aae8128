/**
 * The browser training run, kept in IndexedDB so that a reload (or a closed tab) resumes it: its setup
 * (the pairs as RGB bytes, the options, the step count, a fine-tuned model's weights) and its progress
 * (the latest saved train state, which holds both networks, Adam's moments, the step and the random
 * generators' states, and the loss records up to that step). One run at a time. The page writes the
 * setup; the training worker writes the progress.
 */
import { type DBSchema, type IDBPDatabase, openDB } from "idb";
import type { ImagePair, PairLossRecord, PairTrainingOptions } from "pix2pix-ts";

export interface RunSetup {
  readonly pairs: readonly ImagePair[];
  readonly options: PairTrainingOptions;
  /** The run stops after this many steps in all. */
  readonly steps: number;
  /** The weights a fine-tuning run started from (its file's bytes and name). */
  readonly fineTune?: { readonly bytes: Uint8Array; readonly name: string };
  /** Whether it was training when last seen: a reload resumes training only then. */
  readonly running: boolean;
}

export interface RunProgress {
  /** A train-state safetensors file's bytes (pix2pix-ts's trainOnPairs saves them). */
  readonly state: Uint8Array;
  readonly iteration: number;
  readonly records: readonly PairLossRecord[];
}

interface TrainingDb extends DBSchema {
  run: {
    key: "setup" | "progress";
    value: RunSetup | RunProgress;
  };
}

let opened: Promise<IDBPDatabase<TrainingDb>> | undefined;

function db(): Promise<IDBPDatabase<TrainingDb>> {
  opened ??= openDB<TrainingDb>("pix2pix-studio-training", 1, {
    upgrade: (database) => void database.createObjectStore("run"),
  });
  return opened;
}

export async function loadSetup(): Promise<RunSetup | undefined> {
  return (await (await db()).get("run", "setup")) as RunSetup | undefined;
}

export async function loadProgress(): Promise<RunProgress | undefined> {
  return (await (await db()).get("run", "progress")) as RunProgress | undefined;
}

/** Starts a new run: its setup, and no progress yet. */
export async function saveNewRun(setup: RunSetup): Promise<void> {
  const tx = (await db()).transaction("run", "readwrite");
  await Promise.all([tx.store.put(setup, "setup"), tx.store.delete("progress"), tx.done]);
}

export async function setRunning(running: boolean): Promise<void> {
  const setup = await loadSetup();
  if (setup) await (await db()).put("run", { ...setup, running }, "setup");
}

export async function saveProgress(progress: RunProgress): Promise<void> {
  await (await db()).put("run", progress, "progress");
}
