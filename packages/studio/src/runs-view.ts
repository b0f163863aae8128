/**
 * The server's training runs: pick one to watch its losses arrive (GET /api/runs/NAME/events, SSE) and
 * its report (loss curves and the latest input | output | target grid) refresh whenever train rewrites
 * it. A new checkpoint of the model in use is announced to `onCheckpoint`.
 */
import { drawLosses } from "./loss-chart.ts";
import { type LossRecord, listRuns, runEventsUrl } from "./server-api.ts";

export interface RunsView {
  refresh(): Promise<void>;
}

export function runsView(
  elements: {
    select: HTMLSelectElement;
    info: HTMLElement;
    chart: HTMLCanvasElement;
    report: HTMLElement;
    frame: HTMLIFrameElement;
  },
  onCheckpoint: (model: string) => void,
): RunsView {
  const { select, info, chart, report, frame } = elements;
  let source: EventSource | undefined;
  let records: LossRecord[] = [];

  const watch = (name: string) => {
    source?.close();
    records = [];
    drawLosses(chart, records);
    frame.hidden = true;
    chart.hidden = !name;
    report.textContent = "";
    if (!name) return;
    source = new EventSource(runEventsUrl(name));
    source.addEventListener("log", (e) => {
      records.push(JSON.parse((e as MessageEvent<string>).data) as LossRecord);
      drawLosses(chart, records);
    });
    source.addEventListener("reset", () => {
      records = [];
      drawLosses(chart, records);
    });
    source.addEventListener("report", (e) => {
      const { url, updated } = JSON.parse((e as MessageEvent<string>).data) as {
        url: string;
        updated: string;
      };
      report.textContent = `report updated ${new Date(updated).toLocaleTimeString()}`;
      frame.src = `${url}?t=${encodeURIComponent(updated)}`;
      frame.hidden = false;
    });
    source.addEventListener("checkpoint", (e) => {
      onCheckpoint((JSON.parse((e as MessageEvent<string>).data) as { model: string }).model);
    });
    source.onerror = () => {
      report.textContent = "the event stream stopped; it reconnects by itself";
    };
  };
  select.addEventListener("change", () => watch(select.value));

  return {
    async refresh() {
      const runs = await listRuns().catch((error: Error) => {
        info.textContent = `runs: ${error.message}`;
        return [];
      });
      if (runs.length === 0) {
        info.textContent = "no training runs (they are listed when `pix2pix serve` serves this page)";
        return;
      }
      info.textContent = `${runs.length} run${runs.length === 1 ? "" : "s"} under the server's checkpoints folder`;
      const chosen = select.value;
      select.replaceChildren(new Option("(none)", ""));
      for (const run of runs) {
        const losses = Object.entries(run.losses)
          .map(([k, v]) => `${k} ${v.toFixed(3)}`)
          .join(", ");
        select.add(new Option(`${run.name} — epoch ${run.epoch}${losses ? `, ${losses}` : ""}`, run.name));
      }
      select.value = chosen;
    },
  };
}
