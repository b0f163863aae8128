/**
 * The training report: one self-contained HTML file in the run's folder (loss and learning-rate
 * curves as inline SVG, input | output | target grids of fixed held-out pairs as PNG data URIs, the
 * options and timings), rewritten atomically every epoch and every `--display-freq` steps.
 */
import type { Translation } from "../infer/evaluate.ts";
import { writeFileAtomic } from "../io/atomic-file.ts";
import { definitionTable, escapeHtml, htmlPage, tripletTable } from "../report/html.ts";
import { lineChart } from "../report/svg-chart.ts";
import type { LossRecord } from "./run-log.ts";
import { LOSS_NAMES } from "./step.ts";

export interface TrainingReport {
  readonly name: string;
  readonly records: readonly LossRecord[];
  readonly samples: readonly Translation[];
  /** Where the samples come from (a held-out split, or training pairs when there is none). */
  readonly samplesSource: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly timings: readonly (readonly [string, string])[];
}

export async function writeTrainingReport(file: string, report: TrainingReport): Promise<void> {
  const series = (pick: (r: LossRecord) => number | undefined) =>
    report.records.map((r) => [r.iteration, pick(r) ?? Number.NaN] as const);
  const charts = [
    ...LOSS_NAMES.filter((loss) => report.records.some((r) => r.losses[loss] !== undefined)).map((loss) =>
      lineChart(
        series((r) => r.losses[loss]),
        { title: loss, xLabel: "step" },
      ),
    ),
    lineChart(
      series((r) => r.lr),
      { title: "learning rate", xLabel: "step" },
    ),
    lineChart(
      series((r) => r.rssMiB),
      { title: "resident memory (MiB)", xLabel: "step" },
    ),
  ];
  const grid = await tripletTable(
    report.samples.map((s) => ({
      ...s,
      caption: `L1 ${s.metrics.l1.toFixed(3)} · PSNR ${s.metrics.psnr.toFixed(1)} dB · SSIM ${s.metrics.ssim.toFixed(3)}`,
    })),
  );
  const body = [
    "<h2>Timings</h2>",
    definitionTable(report.timings),
    "<h2>Losses</h2>",
    `<div class="charts">${charts.join("")}</div>`,
    `<h2>Samples</h2><p>${escapeHtml(report.samplesSource)}; output in test mode (the reference's test time).</p>`,
    grid,
    "<h2>Options</h2>",
    definitionTable(Object.entries(report.options)),
  ].join("\n");
  await writeFileAtomic(file, htmlPage(`pix2pix training report: ${report.name}`, body));
}
