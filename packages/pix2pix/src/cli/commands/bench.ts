/**
 * `pix2pix bench`: seconds per training iteration and per inference batch, the convolutions' share of
 * the machine's sgemm peak, and each phase's peak memory, to compare with PyTorch.
 */
import { useBackend } from "../../backend.ts";
import { runBaseline } from "../../bench/baseline.ts";
import { measureOnnxBaseline, type OnnxBaselineReport } from "../../bench/onnx-baseline.ts";
import { measureShapes, parseShapes, type ShapeReport } from "../../bench/shape-speed.ts";
import { generatorForSize, measureTrainingSpeed, type SpeedReport } from "../../bench/training-speed.ts";
import { UserError } from "../../errors.ts";
import { backendOption } from "../../options/common.ts";
import { option } from "../../options/schema.ts";
import { defineCommand } from "../command.ts";

export const benchCommand = defineCommand({
  options: {
    size: option.int(256, "image size in pixels (a multiple of 128: U-Net-256 at 256, U-Net-128 at 128)", {
      min: 128,
    }),
    ngf: option.int(64, "generator filters in the last conv layer", { min: 1 }),
    ndf: option.int(64, "discriminator filters in the first conv layer", { min: 1 }),
    batch: option.int(1, "images per batch", { min: 1 }),
    iters: option.int(5, "timed iterations (after one warm-up); the median is reported", { min: 1 }),
    ...backendOption,
    json: option.flag(
      "print one JSON line instead of text: train_s_per_iter, infer_s_per_batch, peak_gflops, gflops_per_s and utilization (training; infer_gflops_per_s, infer_utilization), conv_kernels, infer_conv_kernels, train_peak_rss_mb, infer_peak_rss_mb, kernels, fallbacks (README § Speed)",
    ),
    baseline: option.string(
      undefined,
      "a command measuring the PyTorch baseline (prints JSON, takes --size --ngf --ndf --batch --iters); run first, and the ratios reported",
      "command",
    ),
    "onnx-baseline": option.flag(
      "also export the generator to ONNX and time onnxruntime-node (as many threads as ours) beside our inference, in turns within each round: eval mode (by the inference plan, and op by op) and the paper's test mode; adds onnxruntime and infer_ratio_onnxruntime (eval), infer_ratio_onnxruntime_test",
    ),
    shapes: option.string(
      undefined,
      "also measure these SIZExBATCH shapes (e.g. 256x1,256x4,512x1) with the same ngf, ndf and iterations, each in a child process of its own so that each shape's peak RSS is its own (a process's peak never comes down); adds shapes: [{size, batch, peak_gflops, train_s_per_iter, gflops_per_s, utilization, train_gflop_per_iter, infer_s_per_batch, infer_gflops_per_s, infer_utilization, infer_gflop_per_batch, train_peak_rss_mb, infer_peak_rss_mb}], each utilization against the sgemm peak its own process measured",
      "list",
    ),
  },
  positionals: [],
  examples: [
    "pix2pix bench --json",
    "pix2pix bench --json --iters 3 --shapes 256x1,256x4,512x1",
    "pix2pix bench --json --onnx-baseline",
    "pix2pix bench --iters 6 --baseline '/usr/bin/python3 tools/torch_reference/bench.py'",
  ],
  async run(options) {
    if (generatorForSize(options.size) === undefined) {
      throw new UserError(
        `--size ${options.size} is not a multiple of 128`,
        "use 256 (U-Net-256) or 128 (U-Net-128)",
      );
    }
    const shapes = options.shapes === undefined ? undefined : parseShapes(options.shapes);
    const baseline = options.baseline === undefined ? undefined : runBaseline(options.baseline, options);
    // Before this process allocates anything: the children's memory comes on top of ours. Each
    // shape's line as it ends (minutes each at 512 px): on stderr beside --json's one line.
    const say = options.json ? console.error : console.log;
    const settings = { ...options, cli: process.argv[1] as string };
    const shapeReports = shapes && measureShapes(settings, shapes, (s) => say(shapeLine(s)));
    await useBackend(options.backend);
    const report = await measureTrainingSpeed(options);
    const onnx = options.onnxBaseline ? await measureOnnxBaseline(options) : undefined;
    const ratio = (ours: number, theirs: number) => Number((ours / theirs).toFixed(3));
    const ratios = baseline && {
      train_ratio: ratio(report.train_s_per_iter, baseline.train_s_per_iter),
      infer_ratio: ratio(report.infer_s_per_batch, baseline.infer_s_per_batch),
      ...(baseline.peak_rss_mb === undefined
        ? {}
        : { rss_ratio: ratio(report.train_peak_rss_mb, baseline.peak_rss_mb) }),
    };
    const onnxFields = onnx && {
      onnxruntime: onnx,
      infer_ratio_onnxruntime: onnx.infer_ratio_onnxruntime,
      infer_ratio_onnxruntime_test: onnx.infer_ratio_onnxruntime_test,
    };
    if (options.json) {
      const extra = { ...(baseline && { baseline, ...ratios }), ...onnxFields, shapes: shapeReports };
      console.log(JSON.stringify({ ...report, ...extra }));
      return;
    }
    printReport(report, options.size);
    if (onnx) printOnnx(onnx);
    if (baseline && ratios) {
      const memory = baseline.peak_rss_mb === undefined ? "" : `, peak RSS ${baseline.peak_rss_mb} MB`;
      console.log(`baseline         ${baseline.command}`);
      console.log(
        `                 train ${baseline.train_s_per_iter.toFixed(3)} s, inference ${baseline.infer_s_per_batch.toFixed(3)} s${memory}`,
      );
      const rss = ratios.rss_ratio === undefined ? "" : `, peak RSS ${ratios.rss_ratio}`;
      console.log(
        `ratio (ours / baseline)  train ${ratios.train_ratio}, inference ${ratios.infer_ratio}${rss}`,
      );
    }
  },
});

const percent = (share: number) => `${(share * 100).toFixed(1).padStart(5)} %`;

function rate(gflops: number | null, utilization: number | null): string {
  if (gflops === null || utilization === null) return "-";
  return `${gflops} GFLOP/s (${(utilization * 100).toFixed(1)} % of peak)`;
}

function printReport(report: SpeedReport, size: number): void {
  console.log(`backend          ${report.backend}`);
  console.log(
    `model            U-Net ${size} px, ngf ${report.ngf}, PatchGAN ndf ${report.ndf}, batch ${report.batch}`,
  );
  console.log(
    `train            ${report.train_s_per_iter.toFixed(3)} s/iteration, peak RSS ${report.train_peak_rss_mb} MB`,
  );
  console.log(
    `inference        ${report.infer_s_per_batch.toFixed(3)} s/batch, peak RSS ${report.infer_peak_rss_mb} MB`,
  );
  if (report.peak_gflops !== null) {
    console.log(`sgemm peak       ${report.peak_gflops} GFLOP/s`);
    console.log(`convolutions     train ${rate(report.gflops_per_s, report.utilization)}`);
    console.log(`                 inference ${rate(report.infer_gflops_per_s, report.infer_utilization)}`);
  }
  for (const [name, share] of Object.entries(report.kernels).slice(0, 12)) {
    const conv = report.conv_kernels[name];
    console.log(
      `  ${name.padEnd(24)} ${percent(share)}${conv ? `   ${rate(conv.gflops_per_s, conv.utilization)}` : ""}`,
    );
  }
  for (const [name, share] of Object.entries(report.fallbacks)) {
    console.log(`  ${`${name} (cpu fallback)`.padEnd(24)} ${percent(share)}`);
  }
}

function shapeLine(s: ShapeReport): string {
  const share = (utilization: number | null) =>
    utilization === null ? "" : ` (${(utilization * 100).toFixed(1)} % of peak)`;
  const shape = `${s.size} px × ${s.batch}`.padEnd(10);
  const train = `${s.train_s_per_iter.toFixed(3)} s${share(s.utilization)}`;
  const infer = `${s.infer_s_per_batch.toFixed(3)} s${share(s.infer_utilization)}`;
  return `shape ${shape} train ${train}, inference ${infer}, peak RSS ${s.train_peak_rss_mb} / ${s.infer_peak_rss_mb} MB`;
}

function printOnnx(onnx: OnnxBaselineReport): void {
  const s = (seconds: number) => `${seconds.toFixed(3)} s`;
  console.log(`onnxruntime      ${s(onnx.onnxruntime_infer_s_per_batch)}/batch (${onnx.threads} threads)`);
  console.log(
    `ours             eval ${s(onnx.infer_eval_s_per_batch)} (op by op ${s(onnx.infer_eval_ops_s_per_batch)}), test ${s(onnx.infer_test_s_per_batch)}`,
  );
  console.log(
    `ratio (ours / onnxruntime)  eval ${onnx.infer_ratio_onnxruntime} (op by op ${onnx.infer_ratio_onnxruntime_ops}), test ${onnx.infer_ratio_onnxruntime_test}`,
  );
}
