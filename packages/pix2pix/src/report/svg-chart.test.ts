import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { lineChart } from "./svg-chart.ts";

interface Label {
  readonly text: string;
  readonly x: number;
  readonly y: number;
  readonly anchor: string;
  readonly fontSize: number;
}

/** The chart's tick labels as drawn: the row at the bottom is the x axis's, the rest the y axis's. */
function tickLabels(svg: string): { x: Label[]; y: Label[] } {
  const labels = [
    ...svg.matchAll(/<text x="([-\d.]+)" y="([-\d.]+)" text-anchor="(\w+)" font-size="10">([^<]*)<\/text>/g),
  ].map(([, x, y, anchor, text]) => ({
    text: text as string,
    x: Number(x),
    y: Number(y),
    anchor: anchor as string,
    fontSize: 10,
  }));
  const bottom = Math.max(...labels.map((l) => l.y));
  return { x: labels.filter((l) => l.y === bottom), y: labels.filter((l) => l.y !== bottom) };
}

/** A label's value: plain, with an exponent, or with a k / M / G suffix. */
function labelValue(text: string): number {
  const scale = { k: 1e3, M: 1e6, G: 1e9 }[text.slice(-1)];
  return scale ? Number(text.slice(0, -1)) * scale : Number(text);
}

/** A label's horizontal extent, with a generous 0.6 em per character. */
function extent(label: Label): [number, number] {
  const width = label.text.length * 0.6 * label.fontSize;
  if (label.anchor === "end") return [label.x - width, label.x];
  if (label.anchor === "start") return [label.x, label.x + width];
  return [label.x - width / 2, label.x + width / 2];
}

function assertInside(labels: readonly Label[], width: number): void {
  for (const label of labels) {
    const [left, right] = extent(label);
    assert.ok(left >= 0 && right <= width, `'${label.text}' spans ${left}..${right}, outside 0..${width}`);
  }
}

const series = (count: number, y: (i: number) => number, x = (i: number) => i + 1) =>
  Array.from({ length: count }, (_, i) => [x(i), y(i)] as const);

describe("line chart axes", () => {
  test("a constant learning rate gets an axis centred on it whose middle label is the value", () => {
    const svg = lineChart(
      series(100, () => 2e-4),
      { title: "learning rate", xLabel: "step" },
    );
    const { y } = tickLabels(svg);
    assert.deepEqual(
      y.map((l) => l.text),
      ["1.9e-4", "2e-4", "2.1e-4"],
    );
    const line = [...(svg.match(/<path d="([^"]+)"/)?.[1] ?? "").matchAll(/[ML][\d.]+,([\d.]+)/g)];
    const middle = y[1] as Label;
    for (const [, at] of line) assert.equal(Number(at) + 4, middle.y, "the line runs along the value's tick");
  });

  test("a constant of any value reads as that value, and zero gets a unit axis", () => {
    const labels = (value: number) =>
      tickLabels(
        lineChart(
          series(10, () => value),
          { title: "c", xLabel: "step" },
        ),
      ).y.map((l) => l.text);
    assert.equal(labels(1.234e-4)[1], "1.234e-4");
    assert.equal(labels(812)[1], "812");
    assert.equal(labels(-3)[1], "-3");
    assert.deepEqual(labels(0), ["-1", "0", "1"]);
  });

  test("float noise around a value is drawn as that constant, not as an axis of noise", () => {
    const noisy = lineChart(
      series(50, (i) => 2e-4 * (1 + 1e-9 * Math.sin(i))),
      { title: "lr", xLabel: "step" },
    );
    assert.deepEqual(
      tickLabels(noisy).y.map((l) => l.text),
      ["1.9e-4", "2e-4", "2.1e-4"],
    );
  });

  test("a varying series gets round, distinct, increasing labels covering its range", () => {
    const values = series(3700, (i) => 2e-4 * (1 - i / 3700));
    const { y } = tickLabels(lineChart(values, { title: "lr", xLabel: "step" }));
    assert.deepEqual(
      y.map((l) => l.text),
      ["0", "5e-5", "1e-4", "1.5e-4", "2e-4"],
    );
    const losses = series(500, (i) => 0.7 + 0.1 * Math.cos(i) + 0.01 * i);
    const ticks = tickLabels(lineChart(losses, { title: "G_L1", xLabel: "step" })).y.map((l) =>
      labelValue(l.text),
    );
    for (let i = 1; i < ticks.length; i++)
      assert.ok((ticks[i] as number) > (ticks[i - 1] as number), `${ticks}`);
    const ys = losses.map(([, v]) => v);
    assert.ok(
      (ticks[0] as number) <= Math.min(...ys) && (ticks.at(-1) as number) >= Math.max(...ys),
      `${ticks}`,
    );
  });

  test("step labels are short (2500, 12k, 1.2M) and none is cut at the picture's edges", () => {
    const width = 360;
    const xLabels = (lastStep: number) =>
      tickLabels(
        lineChart(
          series(
            1000,
            (i) => 1 / (i + 1),
            (i) => Math.round((i / 999) * lastStep),
          ),
          { title: "D_real", xLabel: "step", width },
        ),
      ).x;
    assert.deepEqual(
      xLabels(3700).map((l) => l.text),
      ["0", "1000", "2000", "3000"],
    );
    assert.deepEqual(
      xLabels(12_345).map((l) => l.text),
      ["0", "2k", "4k", "6k", "8k", "10k", "12k"],
    );
    assert.deepEqual(
      xLabels(1_234_567).map((l) => l.text),
      ["0", "200k", "400k", "600k", "800k", "1M", "1.2M"],
    );
    for (const last of [7, 3700, 12_345, 1_234_567, 9_999_999_999]) {
      const labels = xLabels(last);
      for (const label of labels) assert.match(label.text, /^-?\d+(\.\d+)?(e-?\d+|[kMG])?$/);
      assertInside(labels, width);
    }
  });

  test("y labels of any length fit left of the plot", () => {
    for (const [lo, hi] of [
      [1.17e-4, 1.31e-4],
      [-123_456, 987_654],
      [0.69, 0.71],
      [1e13, 3e13],
    ] as const) {
      const labels = tickLabels(
        lineChart(
          series(20, (i) => lo + ((hi - lo) * i) / 19),
          { title: "y", xLabel: "step" },
        ),
      ).y;
      assertInside(labels, 360);
      const values = labels.map((l) => labelValue(l.text));
      assert.ok((values[0] as number) <= lo && (values.at(-1) as number) >= hi, `${lo}..${hi}: ${values}`);
    }
  });
});
