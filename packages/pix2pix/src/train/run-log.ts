/**
 * The run's JSONL log: one line per logged step with the losses and the learning rate, appended as the
 * run goes. A resumed run first drops the lines written after its checkpoint, so the log reads as the
 * uninterrupted run's would; a line torn by kill -9 is skipped when reading.
 */
import { appendFile, readFile } from "node:fs/promises";
import { writeError, writeFileAtomic } from "../io/atomic-file.ts";

export interface LossRecord {
  readonly epoch: number;
  /** Training steps done in the run so far, this one included. */
  readonly iteration: number;
  readonly lr: number;
  /** Mean of each loss over the steps since the previous record (G_GAN, G_L1, D_real, D_fake). */
  readonly losses: Readonly<Record<string, number>>;
  /** Seconds of training so far in the run (resumed runs continue the count). */
  readonly seconds: number;
  /** The process's resident memory in MiB when the record was written: it should stay flat. */
  readonly rssMiB: number;
}

export async function readRunLog(file: string): Promise<LossRecord[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return [];
    throw error;
  }
  const records: LossRecord[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      records.push(JSON.parse(line) as LossRecord);
    } catch {
      // a line torn by a crash mid-append: the steps it described are redone after resuming
    }
  }
  return records;
}

export class RunLog {
  private constructor(
    readonly file: string,
    private readonly kept: LossRecord[],
  ) {}

  /** Starts a log; `resumeAfter` keeps only the records up to that iteration (the checkpoint's). */
  static async open(file: string, resumeAfter: number | undefined): Promise<RunLog> {
    const kept =
      resumeAfter === undefined ? [] : (await readRunLog(file)).filter((r) => r.iteration <= resumeAfter);
    await writeFileAtomic(file, kept.map((r) => `${JSON.stringify(r)}\n`).join(""));
    return new RunLog(file, kept);
  }

  get records(): readonly LossRecord[] {
    return this.kept;
  }

  async append(record: LossRecord): Promise<void> {
    this.kept.push(record);
    try {
      await appendFile(this.file, `${JSON.stringify(record)}\n`);
    } catch (error) {
      throw writeError(this.file, error);
    }
  }
}
