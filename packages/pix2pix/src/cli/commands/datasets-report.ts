/** How the dataset conversion subcommands end: a count of files written, and every file that failed. */

import type { ConversionReport } from "../../data/tools/combine.ts";
import { UserError } from "../../errors.ts";

export function finishConversion(report: ConversionReport, out: string): void {
  console.log(`wrote ${report.written} file(s) to ${out}`);
  if (report.failed.length === 0) return;
  for (const { path, problem } of report.failed) console.error(`  ${path} ${problem}`);
  throw new UserError(
    `${report.failed.length} file(s) could not be converted (listed above)`,
    "fix or remove them and run again; the other files were written",
  );
}
