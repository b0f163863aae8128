/** Writes synthetic pairs as aligned PNG files (photo | labels), a dataset any loader can read. */
import path from "node:path";
import { UserError } from "../../errors.ts";
import { mapLimited } from "../map-limited.ts";
import { renderSyntheticPair, SYNTHETIC_PHASE_OFFSETS } from "../synthetic.ts";
import { sideBySide, writeRgbFile } from "./combine.ts";

export interface SyntheticFilesRequest {
  readonly out: string;
  readonly count: number;
  readonly size: number;
  readonly phase: string;
}

/** out/phase/000000.png ...: pair i of the phase, the same pairs `--dataset-mode synthetic` serves. */
export async function writeSyntheticFiles({
  out,
  count,
  size,
  phase,
}: SyntheticFilesRequest): Promise<string[]> {
  const offset = SYNTHETIC_PHASE_OFFSETS[phase];
  if (offset === undefined) {
    throw new UserError(
      `the synthetic dataset has no phase '${phase}'`,
      `use ${Object.keys(SYNTHETIC_PHASE_OFFSETS).join(", ")}`,
    );
  }
  const indices = Array.from({ length: count }, (_, i) => i);
  return mapLimited(indices, 4, async (i) => {
    const { photo, labels } = renderSyntheticPair(offset + i, size);
    const file = path.join(out, phase, `${String(i).padStart(6, "0")}.png`);
    await writeRgbFile(file, sideBySide(photo, labels, size, size), size * 2, size);
    return file;
  });
}
