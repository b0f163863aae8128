/** A run's losses as lines on a canvas, one colour per loss, redrawn as records arrive. */
import type { LossRecord } from "./server-api.ts";

const COLOURS = ["#2a6df4", "#e8590c", "#2f9e44", "#ae3ec9", "#f08c00", "#1098ad", "#c2255c"];

export function drawLosses(canvas: HTMLCanvasElement, records: readonly LossRecord[]): void {
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  canvas.dataset.records = String(records.length); // for tests to wait on
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  ctx.font = "12px system-ui, sans-serif";
  ctx.fillStyle = ctx.strokeStyle = getComputedStyle(canvas).color || "#888";
  if (records.length === 0) {
    ctx.fillText("no losses logged yet", 12, 20);
    return;
  }
  const names = [...new Set(records.flatMap((r) => Object.keys(r.losses)))];
  const values = records.flatMap((r) => Object.values(r.losses)).filter(Number.isFinite);
  const lo = Math.min(0, ...values);
  const hi = Math.max(lo + 1e-9, ...values);
  const left = 48;
  const bottom = height - 20;
  const x = (i: number) => left + ((width - left - 8) * i) / Math.max(1, records.length - 1);
  const y = (v: number) => bottom - ((bottom - 8) * (v - lo)) / (hi - lo);
  ctx.globalAlpha = 0.4;
  ctx.beginPath();
  ctx.moveTo(left, 8);
  ctx.lineTo(left, bottom);
  ctx.lineTo(width - 8, bottom);
  ctx.stroke();
  ctx.globalAlpha = 1;
  ctx.fillText(hi.toPrecision(3), 4, 16);
  ctx.fillText(lo.toPrecision(3), 4, bottom);
  const last = records.at(-1);
  if (last) ctx.fillText(`epoch ${last.epoch}, iteration ${last.iteration}`, left + 4, height - 4);
  names.forEach((name, n) => {
    const colour = COLOURS[n % COLOURS.length] as string;
    ctx.strokeStyle = ctx.fillStyle = colour;
    ctx.beginPath();
    let started = false;
    records.forEach((r, i) => {
      const v = r.losses[name];
      if (v === undefined || !Number.isFinite(v)) return;
      if (started) ctx.lineTo(x(i), y(v));
      else ctx.moveTo(x(i), y(v));
      started = true;
    });
    ctx.stroke();
    ctx.fillText(name, width - 90, 20 + 14 * n);
  });
}
