/**
 * Conformance against real Caffe: every case of ../shared/caffe-reference is
 * trained with the engine from the same init.caffemodel and data, and the
 * per-iteration losses, learning rates, gradient norms, per-blob and per-param
 * statistics (iterations 0-2), BatchNorm statistics and the first non-finite
 * iteration are compared with reference.json. Skips when ../shared is absent.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { LayerDefinition } from "../../src/engine/types.js";
import { adamCorrection, learningRate } from "../../src/engine/solvers/index.js";
import { decodeCaffemodel } from "../../src/engine/weights.js";
import { runCase } from "./caffe-case.js";
import type { ArrayStats, BlobSnapshot, CaseRun } from "./caffe-case.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const SHARED = path.resolve(REPO, "../shared");
const PACK = path.join(SHARED, "caffe-reference");

/**
 * Loss tolerance (relative) by iteration. Caffe itself moves by ~1e-7 / 1e-6 /
 * 1e-5 in iterations 0-9 / 10-29 / 30-49 when only the BLAS kernel changes
 * (README point 2); our summation orders differ everywhere, so we allow more,
 * growing as the trajectories drift apart.
 */
function lossTolerance(iter: number): number {
  if (iter < 10) return LOSS_RTOL_EARLY;
  if (iter < 30) return LOSS_RTOL_MIDDLE;
  return LOSS_RTOL_LATE;
}
const LOSS_RTOL_EARLY = 1e-4;
const LOSS_RTOL_MIDDLE = 1e-3;
const LOSS_RTOL_LATE = 1e-2;
/**
 * Mean |w| of each param after every update, relative: 10x the loss tolerance,
 * because small biases whose elements cross zero amplify the drift (1.6e-3 for
 * scale_a's bias at iteration 24 of bn_scale_eltwise, whose loss is within 5e-5).
 */
function paramMeanTolerance(iter: number): number {
  return PARAM_MEAN_TOLERANCE_FACTOR * lossTolerance(iter);
}
const PARAM_MEAN_TOLERANCE_FACTOR = 10;
/** Gradient L2 norm (relative), same growth as the loss. */
const GRAD_NORM_RTOL_EARLY = 1e-4;
/** Statistics of blobs and params in iterations 0-2: mean |x| relative; sum and probes relative to max |x|. */
const STAT_RTOL = 1e-4;
const SUM_RTOL_OF_ABS = 1e-4;
const PROBE_RTOL_OF_MAX = 1e-3;
/**
 * Absolute floor for every statistic: gradients that are mathematically zero
 * (e.g. a conv bias feeding BatchNorm) come out as float32 rounding noise of
 * ~1e-8 in both engines, which no relative tolerance can match.
 */
const NOISE_FLOOR = 1e-7;
/** data_sum: float32 pixels summed in float64; only the transform's rounding can differ. */
const DATA_SUM_RTOL = 1e-6;
/** The chaotic cases (huge gradients before the blow-up) compare losses only over their first iterations. */
const CHAOTIC_LOSS_ITERATIONS = 2;

interface RefStats {
  mean_abs: number | string;
  sum: number | string;
  max_abs: number | string;
  nan: number;
  inf: number;
  probe: (number | string)[];
}
interface RefBlob {
  shape: number[];
  data: RefStats;
  diff: RefStats;
}
interface Reference {
  case: string;
  max_iter: number;
  iter_size: number;
  layers: { name: string; type: string; bottoms: string[]; tops: string[]; param_shapes: number[][] }[];
  blobs: { name: string; shape: number[] }[];
  outputs: { blob: string; loss_weight: number }[];
  iterations: {
    iter: number;
    loss: number | string;
    loss_display: number | string;
    sub_losses?: (number | string)[];
    lr: number;
    grad_l2_norm: number | string;
    label_sum: number;
    data_sum: number | string;
    adam_correction?: number;
    params_after_update_mean_abs: Record<string, number[]>;
    clip?: { threshold: number; applied: boolean; scale_factor: number };
    nonfinite?: { after_forward_backward: { blobs: { blob: string }[]; params: { layer: string; index: number }[] } };
  }[];
  detail: Record<string, { blobs: Record<string, RefBlob>; params_before_update: Record<string, RefBlob[]>; params_after_update: Record<string, RefBlob[]> }>;
  bn_blobs?: Record<string, BnValues>;
  final_forward: { iter: number; loss: number | string };
  expected_verdict: { verdict: string; first_nonfinite_loss_iter?: number; first_blob_forward_order_data_or_diff?: string; first_blob_nonfinite_data?: string };
}

function num(x: number | string): number {
  if (typeof x === "number") return x;
  return x === "nan" ? NaN : x === "inf" ? Infinity : x === "-inf" ? -Infinity : Number(x);
}

function close(a: number, b: number, tol: number, scale = Math.abs(b), floor = 0): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= tol * scale + floor;
}

/** Differences between our statistics and Caffe's, as readable lines. */
function compareStats(label: string, ours: ArrayStats, ref: RefStats, count: number, out: string[]): void {
  const maxAbs = num(ref.max_abs);
  const meanAbs = num(ref.mean_abs);
  if (ours.nan !== ref.nan || ours.inf !== ref.inf) out.push(`${label}: nan/inf ${ours.nan}/${ours.inf} vs Caffe ${ref.nan}/${ref.inf}`);
  if (!close(ours.mean_abs, meanAbs, STAT_RTOL, meanAbs, NOISE_FLOOR)) out.push(`${label}: mean_abs ${ours.mean_abs} vs Caffe ${meanAbs}`);
  if (!close(ours.sum, num(ref.sum), SUM_RTOL_OF_ABS, meanAbs * count, NOISE_FLOOR * count)) out.push(`${label}: sum ${ours.sum} vs Caffe ${num(ref.sum)}`);
  if (!close(ours.max_abs, maxAbs, STAT_RTOL, maxAbs, NOISE_FLOOR)) out.push(`${label}: max_abs ${ours.max_abs} vs Caffe ${maxAbs}`);
  ref.probe.forEach((p, k) => {
    if (!close(ours.probe[k] ?? NaN, num(p), PROBE_RTOL_OF_MAX, maxAbs, NOISE_FLOOR)) out.push(`${label}: probe[${k}] ${ours.probe[k]} vs Caffe ${num(p)}`);
  });
}

function compareBlob(label: string, ours: BlobSnapshot | undefined, ref: RefBlob, out: string[]): void {
  if (!ours) {
    out.push(`${label}: missing in the engine's net`);
    return;
  }
  if (ours.shape.join("x") !== ref.shape.join("x")) {
    out.push(`${label}: shape [${ours.shape}] vs Caffe [${ref.shape}]`);
    return;
  }
  const count = ref.shape.reduce((a, b) => a * b, 1);
  compareStats(`${label} data`, ours.data, ref.data, count, out);
  compareStats(`${label} diff`, ours.diff, ref.diff, count, out);
}

type BnValues = Record<string, { mean: number[]; variance: number[]; factor: number[] }>;

/** BatchNorm statistics element by element, relative to the largest |value| of each array. */
function compareBn(label: string, ours: BnValues, ref: BnValues | undefined, out: string[]): void {
  for (const [layer, stats] of Object.entries(ref ?? {})) {
    for (const field of ["mean", "variance", "factor"] as const) {
      const got = ours[layer]?.[field] ?? [];
      const scale = Math.max(...stats[field].map(Math.abs));
      stats[field].forEach((v, k) => {
        if (!close(got[k] ?? NaN, v, STAT_RTOL, scale, NOISE_FLOOR)) out.push(`${label} bn ${layer}.${field}[${k}] ${got[k]} vs Caffe ${v}`);
      });
    }
  }
}

function compareDetails(run: CaseRun, ref: Reference, detailIters: number[]): string[] {
  const out: string[] = [];
  for (const i of detailIters) {
    const ours = run.details.get(i)!;
    const expected = ref.detail[String(i)]!;
    for (const [name, blob] of Object.entries(expected.blobs)) compareBlob(`it${i} blob ${name}`, ours.blobs[name], blob, out);
    for (const [phase, refParams, ourParams] of [["before", expected.params_before_update, ours.paramsBefore], ["after", expected.params_after_update, ours.paramsAfter]] as const) {
      for (const [layer, blobs] of Object.entries(refParams)) {
        blobs.forEach((blob, j) => compareBlob(`it${i} ${phase}-update ${layer}[${j}]`, ourParams[layer]?.[j], blob, out));
      }
    }
    compareBn(`it${i}`, ours.bn, ref.bn_blobs?.[String(i)], out);
  }
  return out;
}

function loadRegistry(): Promise<Record<string, LayerDefinition> | undefined> {
  return import("../../src/engine/layers/index.js").then((m: { layerRegistry?: Record<string, LayerDefinition> }) => m.layerRegistry).catch(() => undefined);
}

const CASES: string[] = fs.existsSync(PACK)
  ? (JSON.parse(fs.readFileSync(path.join(PACK, "cases.json"), "utf8")) as { case: string }[]).map((c) => c.case)
  : [];
const CHAOTIC = new Set(["unscaled_input_highlr", "bn_global_stats_train"]);
/**
 * Iterations compared per case where fewer than the reference's max_iter, to
 * keep this file near 20 s on an idle core: the two biggest batches (LeNet at
 * 64 and CIFAR-quick at 32 with 3x32x32 inputs) stop early. Every other case
 * runs all its iterations; the first non-finite iteration ends the chaotic ones.
 */
const COMPARED_ITERATIONS: Record<string, number> = {
  lenet_ok: 30,
  cifar_quick_mean: 6,
};
/**
 * Cases trained for all their iterations and compared element by element with
 * Caffe's final.caffemodel; the tolerance is relative to the blob's largest |w|.
 * Measured: bn_scale_eltwise (30 iterations at lr 0.1 through BatchNorm) drifts
 * to 3.2e-3 while its loss stays within 5e-5; a layout or sign bug gives O(1).
 */
const FULL_RUN_WITH_FINAL_WEIGHTS = new Set(["bn_scale_eltwise", "layers_misc", "solver_adam_sigmoid"]);
const FINAL_WEIGHTS_RTOL_OF_MAX = 1e-2;
/** Per-case time limit for vitest (the default 5 s is for unit tests). */
const CASE_TIMEOUT_MS = 120_000;

if (!fs.existsSync(PACK)) console.warn("engine conformance: ../shared absent, the real-Caffe comparison is skipped");

describe.skipIf(!fs.existsSync(PACK))("engine against real Caffe (../shared/caffe-reference; skipped when ../shared absent)", async () => {
  const registry = (await loadRegistry()) ?? {};
  for (const name of CASES) {
    const dir = path.join(PACK, name);
    const ref = JSON.parse(fs.readFileSync(path.join(dir, "reference.json"), "utf8")) as Reference;
    const missing = [...new Set(ref.layers.map((l) => l.type))].filter((t) => !registry[t]);
    const title = missing.length > 0 ? `${name} (needs layer types not yet in the registry: ${missing.join(", ")})` : name;
    it.skipIf(missing.length > 0)(title, () => {
      const verdict = ref.expected_verdict;
      const firstBad = verdict.first_nonfinite_loss_iter;
      const iterations = firstBad !== undefined ? firstBad + 1 : Math.min(ref.max_iter, COMPARED_ITERATIONS[name] ?? ref.max_iter);
      const detailIters = Object.keys(ref.detail).map(Number).filter((i) => i <= 2);
      const fullRun = iterations === ref.max_iter;
      const run = runCase(dir, registry, iterations, new Set(detailIters), fullRun);
      console.info(`${name}: ${run.results.length} iterations in ${run.trainMs.toFixed(0)} ms`);

      // The net Caffe built: layers (with automatic splits) and blob order.
      expect(run.net.layers.map((l) => `${l.name}:${l.type}:${l.bottomNames.join(",")}->${l.topNames.join(",")}`)).toEqual(
        ref.layers.map((l) => `${l.name}:${l.type}:${l.bottoms.join(",")}->${l.tops.join(",")}`),
      );
      expect(run.net.blobs.map((b) => `${b.name}[${b.blob.shape.join("x")}]`)).toEqual(ref.blobs.map((b) => `${b.name}[${b.shape.join("x")}]`));
      expect(run.net.outputs.map((o) => [o.name, o.lossWeight]).sort()).toEqual(ref.outputs.map((o) => [o.blob, o.loss_weight]).sort());

      const problems: string[] = [];
      ref.iterations.forEach((expected, i) => {
        const lr = learningRate(run.settings, i);
        if (lr !== Math.fround(expected.lr)) problems.push(`it${i} lr policy gives ${lr} vs Caffe ${expected.lr}`);
      });
      const lossIters = CHAOTIC.has(name) ? Math.min(CHAOTIC_LOSS_ITERATIONS, run.results.length) : run.results.length;
      run.results.forEach((r, i) => {
        const expected = ref.iterations[i]!;
        if (Math.fround(r.lr) !== Math.fround(expected.lr)) problems.push(`it${i} lr ${r.lr} vs Caffe ${expected.lr}`);
        if (run.sums[i]!.label !== expected.label_sum) problems.push(`it${i} label_sum ${run.sums[i]!.label} vs Caffe ${expected.label_sum}`);
        if (!close(run.sums[i]!.data, num(expected.data_sum), DATA_SUM_RTOL)) problems.push(`it${i} data_sum ${run.sums[i]!.data} vs Caffe ${expected.data_sum}`);
        if (i >= lossIters) return;
        if (!close(r.loss, num(expected.loss), lossTolerance(i))) problems.push(`it${i} loss ${r.loss} vs Caffe ${expected.loss} (rtol ${lossTolerance(i)})`);
        if (!close(r.smoothedLoss, num(expected.loss_display), lossTolerance(i))) problems.push(`it${i} displayed loss ${r.smoothedLoss} vs Caffe ${expected.loss_display}`);
        expected.sub_losses?.forEach((sub, k) => {
          if (!close(r.subLosses[k]!, num(sub), lossTolerance(i))) problems.push(`it${i} sub-pass ${k} loss ${r.subLosses[k]} vs Caffe ${sub}`);
        });
        if (expected.adam_correction !== undefined && adamCorrection(run.settings, i) !== Math.fround(expected.adam_correction)) {
          problems.push(`it${i} adam correction ${adamCorrection(run.settings, i)} vs Caffe ${expected.adam_correction}`);
        }
        if (expected.clip?.applied && !close(r.clipScale, expected.clip.scale_factor, GRAD_NORM_RTOL_EARLY)) problems.push(`it${i} clip scale ${r.clipScale} vs Caffe ${expected.clip.scale_factor}`);
        for (const [layer, values] of Object.entries(expected.params_after_update_mean_abs)) {
          values.forEach((v, j) => {
            const got = run.paramsMeanAbs[i]?.[layer]?.[j] ?? NaN;
            if (!close(got, v, paramMeanTolerance(i), v, NOISE_FLOOR)) problems.push(`it${i} ${layer}[${j}] mean |data| after update ${got} vs Caffe ${v}`);
          });
        }
        if (i < 10 && !close(r.gradL2, num(expected.grad_l2_norm), GRAD_NORM_RTOL_EARLY)) problems.push(`it${i} grad_l2_norm ${r.gradL2} vs Caffe ${expected.grad_l2_norm}`);
        if (expected.clip && (r.clipScale !== 1) !== expected.clip.applied) problems.push(`it${i} clipping applied ${r.clipScale !== 1} vs Caffe ${expected.clip.applied}`);
      });
      compareBn("init", run.bnInit, ref.bn_blobs?.init, problems);
      problems.push(...compareDetails(run, ref, CHAOTIC.has(name) ? detailIters.filter((i) => i < CHAOTIC_LOSS_ITERATIONS) : detailIters));
      const worst = run.results.slice(0, lossIters).reduce((m, r, i) => Math.max(m, Math.abs(r.loss / num(ref.iterations[i]!.loss) - 1)), 0);
      console.info(`${name}: largest relative loss difference over ${lossIters} iterations: ${worst.toExponential(2)}`);

      if (fullRun && run.results.length === ref.max_iter && !close(run.finalForwardLoss, num(ref.final_forward.loss), LOSS_RTOL_LATE)) {
        problems.push(`final forward-only loss ${run.finalForwardLoss} vs Caffe ${ref.final_forward.loss}`);
      }
      if (FULL_RUN_WITH_FINAL_WEIGHTS.has(name) && run.results.length === ref.max_iter) {
        const finalLayers = decodeCaffemodel(fs.readFileSync(path.join(dir, "final.caffemodel")));
        for (const stored of finalLayers) {
          stored.blobs.forEach((blob, j) => {
            const ours = run.finalParams.get(stored.name)?.[j];
            let maxAbs = 0, largest = 0;
            for (let k = 0; k < blob.data.length; k++) maxAbs = Math.max(maxAbs, Math.abs(blob.data[k]!));
            for (let k = 0; k < blob.data.length; k++) largest = Math.max(largest, Math.abs((ours?.[k] ?? NaN) - blob.data[k]!));
            if (!(largest <= FINAL_WEIGHTS_RTOL_OF_MAX * maxAbs + NOISE_FLOOR)) problems.push(`final ${stored.name}[${j}]: largest difference ${largest} (Caffe max |w| ${maxAbs})`);
          });
        }
      }
      expect(problems.slice(0, 40)).toEqual([]);

      // The verdict's numbers: where the loss turns non-finite, and where NaN/Inf first appears.
      const ourFirstBad = run.results.findIndex((r) => !Number.isFinite(r.loss));
      expect(ourFirstBad === -1 ? undefined : ourFirstBad).toBe(firstBad);
      if (firstBad !== undefined) {
        const origin = run.nonFiniteOrigin.get(firstBad)!;
        expect(origin.data).toBe(verdict.first_blob_nonfinite_data);
        expect(origin.dataOrDiff).toBe(verdict.first_blob_forward_order_data_or_diff);
        const nonfinite = ref.iterations[firstBad]!.nonfinite!.after_forward_backward;
        expect(origin.blobs).toEqual(nonfinite.blobs.map((b) => b.blob));
        expect(origin.params).toEqual(nonfinite.params.map((p) => `${p.layer}#${p.index}`));
      }
    }, CASE_TIMEOUT_MS);
  }
});
