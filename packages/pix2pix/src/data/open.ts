/** Opens a paired dataset from its options: lists and checks the pairs, then serves batches. */
import { UserError } from "../errors.ts";
import type { Rng } from "../random.ts";
import type { OpenHooks, PairedDataset } from "./index.ts";
import type { DataOptions } from "./options.ts";

/**
 * Opens the dataset the options describe, checking every file's header up front: a missing folder, an
 * unpaired file, an odd-width aligned image or a non-image is one UserError naming the file (or, with
 * --skip-bad, a skipped file). Same rng state → same batches.
 */
export async function openPairedDataset(
  options: DataOptions,
  _rng: Rng,
  _hooks: OpenHooks = {},
): Promise<PairedDataset> {
  throw new UserError(`dataset mode '${options.datasetMode}' is not implemented yet`);
}
