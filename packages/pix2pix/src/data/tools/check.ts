/**
 * `datasets check`: validates a dataset the way training would read it (every file fully decoded by
 * the same loader) and reports every problem found, with counts, instead of stopping at the first.
 */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { UserError } from "../../errors.ts";
import type { SkippedFile } from "../dataset.ts";
import type { PairJob } from "../decode.ts";
import { mapLimited } from "../map-limited.ts";
import type { DatasetMode } from "../options.ts";
import { createPairLoader } from "../pool.ts";
import { alignedSources, folderPair, folderSources, isImageFile, type PairSource } from "../sources.ts";

export interface PhaseReport {
  /** The sub-folder checked ("." for images directly in the folder). */
  readonly phase: string;
  readonly pairs: number;
  readonly good: number;
  /** How many pairs have each size ("256x256" per side). */
  readonly sizes: Readonly<Record<string, number>>;
  readonly problems: readonly SkippedFile[];
}

export interface CheckReport {
  readonly dataroot: string;
  readonly mode: Exclude<DatasetMode, "synthetic">;
  readonly phases: readonly PhaseReport[];
  /** Problems by kind ("is empty", "is truncated or corrupt", ...), summed over phases. */
  readonly counts: Readonly<Record<string, number>>;
  readonly totalProblems: number;
}

function subfolders(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => statSync(path.join(dir, name)).isDirectory())
      .sort();
  } catch {
    return [];
  }
}

/** The phases a dataset folder holds: its sub-folders that form a dataset, or "." for a flat folder. */
function findPhases(dataroot: string, mode: CheckReport["mode"]): string[] {
  if (mode === "aligned") {
    const hasImages = (dir: string) =>
      readdirSync(dir, { recursive: true, encoding: "utf8" }).some(isImageFile);
    const phases = subfolders(dataroot).filter((name) => hasImages(path.join(dataroot, name)));
    const direct = readdirSync(dataroot).some(isImageFile);
    return direct || phases.length === 0 ? ["."] : phases;
  }
  // Phase names appear as dataroot/phase/, dataroot/A/phase/ or dataroot/phaseA/.
  const top = subfolders(dataroot);
  const candidates = new Set([
    ...top,
    ...subfolders(path.join(dataroot, "A")),
    ...top.map((n) => n.replace(/A$/, "")),
  ]);
  const phases = [...candidates].filter((phase) => {
    if (phase === "A" || phase === "B" || phase === "") return false;
    try {
      // A phase of its own, not the plain A + B fallback every name would reach.
      return folderPair(dataroot, phase).a !== path.join(dataroot, "A");
    } catch {
      return false;
    }
  });
  return phases.length > 0 ? phases.sort() : ["."];
}

/** "is truncated or corrupt (VipsJpeg: ...)" → "is truncated or corrupt": the kind of problem, for counting. */
function problemKind(problem: string): string {
  return problem.replace(/ \(.*$/s, "").replace(/ is \d+x\d+ but .*/, " has a partner of another size");
}

const plainJob = (source: PairSource): PairJob => ({
  source,
  augmentation: { cropX: 0, cropY: 0, flip: false },
  transform: { preprocess: "none", loadSize: 1, cropSize: 1, noFlip: true },
  inputSide: "A",
  inputNc: 3,
  outputNc: 3,
});

async function checkPhase(
  dataroot: string,
  mode: CheckReport["mode"],
  phase: string,
  threads: number,
): Promise<PhaseReport> {
  const listing =
    mode === "aligned"
      ? { sources: alignedSources(dataroot, phase), unpaired: [] }
      : folderSources(dataroot, phase);
  const problems: SkippedFile[] = listing.unpaired.map((file) => ({
    path: file,
    problem: "has no partner of the same name in the other folder",
  }));
  const sizes: Record<string, number> = {};
  const loader = createPairLoader(threads);
  try {
    await mapLimited(listing.sources, Math.max(2, 2 * threads), async (source) => {
      const result = await loader.load(plainJob(source));
      if (!result.ok) {
        problems.push({ path: result.path, problem: result.problem });
        return;
      }
      const key = `${result.size.width}x${result.size.height}`;
      sizes[key] = (sizes[key] ?? 0) + 1;
    });
  } finally {
    await loader.close();
  }
  problems.sort((a, b) => (a.path < b.path ? -1 : 1));
  const good = Object.values(sizes).reduce((sum, n) => sum + n, 0);
  return { phase, pairs: listing.sources.length, good, sizes, problems };
}

export async function checkDataset(
  dataroot: string,
  mode: CheckReport["mode"],
  options: { readonly phase?: string; readonly threads: number },
): Promise<CheckReport> {
  try {
    if (!statSync(dataroot).isDirectory()) throw new UserError(`${dataroot} is not a folder`);
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`dataset folder ${dataroot} does not exist`);
  }
  const phases = options.phase ? [options.phase] : findPhases(dataroot, mode);
  const reports: PhaseReport[] = [];
  for (const phase of phases) reports.push(await checkPhase(dataroot, mode, phase, options.threads));
  const counts: Record<string, number> = {};
  for (const { problem } of reports.flatMap((r) => r.problems)) {
    const kind = problemKind(problem);
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  const totalProblems = reports.reduce((sum, r) => sum + r.problems.length, 0);
  return { dataroot, mode, phases: reports, counts, totalProblems };
}

/** The report as lines of text: per phase, its pairs and sizes, then every problem and the counts. */
export function formatCheckReport(report: CheckReport): string {
  const lines = [`${report.dataroot} (${report.mode})`];
  for (const phase of report.phases) {
    const sizes = Object.entries(phase.sizes)
      .map(([size, n]) => `${n} at ${size}`)
      .join(", ");
    lines.push(
      `  ${phase.phase}: ${phase.pairs} pairs, ${phase.good} good${sizes ? ` (${sizes} per side)` : ""}`,
    );
    for (const { path: file, problem } of phase.problems) lines.push(`    ${file} ${problem}`);
  }
  if (report.totalProblems === 0) {
    lines.push("no problems found");
  } else {
    lines.push(`${report.totalProblems} problem(s):`);
    for (const [kind, n] of Object.entries(report.counts)) lines.push(`  ${n} ${kind}`);
  }
  return lines.join("\n");
}
