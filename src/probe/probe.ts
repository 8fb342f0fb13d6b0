/**
 * The training probe: plan a run that fits the budget, run the net as
 * written, run it again with lr = 0 when it is broken from the first
 * iteration, re-run each suggested fix from the same initial weights, and say
 * which static findings the runs confirm.
 */
import type { Confirmation, Finding, TextEdit } from "../findings.js";
import { num, nums, str, sub, subs } from "../model/access.js";
import type { PhaseNet } from "../model/types.js";
import { BATCH_FIELDS, batchSize } from "../model/build.js";
import type { MeanImage, RecordSource } from "../engine/types.js";
import type { PlainMessage } from "../schema/types.js";
import { estimateCost, estimateSeconds } from "./cost.js";
import { batchNormOutputs, runProbeOnce, type RunOutput } from "./run.js";
import type { FixRun, ProbeReport, ProbeRun, ProbeVerdict } from "./types.js";

export interface ProbeOptions {
  iterations?: number;
  batch?: number;
  seed?: number;
  budgetSeconds?: number;
  /** Progress: which run, iteration and loss; for a terminal display. */
  onProgress?: (run: string, iteration: number, iterations: number, loss: number) => void;
}

export const PROBE_DEFAULTS = { iterations: 30, seed: 1701, budgetSeconds: 60, maxBatch: 32 } as const;
/** Blob memory a probe may use. */
const MAX_PROBE_BYTES = 2 * 1024 ** 3;
/** Fewest iterations that still tell a verdict. */
const MIN_ITERATIONS = 8;

/** What the probe needs to know about the thing it runs; built by the lint stage. */
export interface ProbeSubject {
  train: PhaseNet;
  /** Net-level deprecated inputs (`input`, `input_shape`, `input_dim`) of the net message. */
  net: PlainMessage;
  solver?: PlainMessage;
  records?: (layer: PlainMessage) => RecordSource | undefined;
  meanImage?: (path: string) => MeanImage | undefined;
  /** How the data layers are fed, in words. */
  dataNote: string;
  syntheticShape?: (layer: PlainMessage) => { channels: number; height: number; width: number; labels?: number } | undefined;
  initial?: Map<string, Float32Array[]>;
  /** The subject after applying text edits to its files (undefined when that fails). */
  rebuild(edits: TextEdit[]): { train: PhaseNet; net: PlainMessage; solver?: PlainMessage } | undefined;
}

/** The solver the probe uses when only a net is given: Caffe's LeNet settings. */
export const DEFAULT_SOLVER: PlainMessage = { base_lr: 0.01, momentum: 0.9, weight_decay: 0.0005, lr_policy: "fixed", type: "SGD" };

/** Which verdicts each rule predicts; a finding is confirmed when the run shows one and its fix cures it. */
export const SYMPTOMS: Record<string, ProbeVerdict[]> = {
  "bn-global-stats-phase": ["saturated-softmax", "non-finite", "exploding", "bad-init", "not-learning"],
  "input-not-scaled": ["saturated-softmax", "non-finite", "exploding", "bad-init"],
  "lr-too-high": ["saturated-softmax", "non-finite", "exploding"],
  "zero-init-weights": ["not-learning", "vanishing"],
  "softmax-before-loss": ["not-learning"],
  "bn-batch-too-small": ["not-learning"],
  "bn-stats-lr-mult": ["non-finite", "exploding", "not-learning"],
};

const RANK: Record<ProbeVerdict, number> = { "non-finite": 0, "saturated-softmax": 1, exploding: 2, vanishing: 3, "not-learning": 4, "bad-init": 5, ok: 6 };

/** An update larger than this fraction of the weights (lr·|dW|/|W|) is far above the healthy 1e-3. */
const UPDATE_RATIO_HIGH = 0.1;
/** TEST-phase BatchNorm outputs this many times larger or smaller than TRAIN's on the same batch are reported. */
const BN_PHASE_RATIO = 10;

/** BatchNorm outputs on the first batch, TRAIN against TEST, from the weights and statistics after the run. */
function compareBatchNormPhases(subject: ProbeSubject, batch: number, seed: number, params: Map<string, Float32Array[]>): NonNullable<ProbeReport["batchNormPhases"]> {
  const input = {
    net: engineNet(subject, batch),
    seed,
    ...(subject.records ? { records: subject.records } : {}),
    ...(subject.meanImage ? { meanImage: subject.meanImage } : {}),
    ...(subject.syntheticShape ? { syntheticShape: subject.syntheticShape } : {}),
  };
  const train = batchNormOutputs(input, params, "TRAIN");
  const test = batchNormOutputs(input, params, "TEST");
  return [...train].map(([layer, t]) => {
    const v = test.get(layer) ?? NaN;
    return { layer, train: t, test: v, ratio: t > 0 ? v / t : Infinity };
  });
}

/** A NetParameter of the TRAIN layers with every batch dimension set to `batch`. */
export function engineNet(subject: { train: PhaseNet; net: PlainMessage }, batch: number): PlainMessage {
  const layers = subject.train.layers.map((l) => {
    const copy = structuredClone(l.param) as PlainMessage;
    for (const field of Object.values(BATCH_FIELDS)) {
      const p = sub(copy, field);
      if (p && p["batch_size"] !== undefined) p["batch_size"] = batch;
    }
    for (const shape of subs(sub(copy, "input_param"), "shape")) {
      const dims = shape["dim"] as (string | number)[] | undefined;
      if (dims && dims.length > 0) dims[0] = batch;
    }
    for (const shape of subs(sub(copy, "dummy_data_param"), "shape")) {
      const dims = shape["dim"] as (string | number)[] | undefined;
      if (dims && dims.length > 0) dims[0] = batch;
    }
    return copy;
  });
  const out: PlainMessage = { name: str(subject.net, "name", "net"), layer: layers };
  for (const field of ["input", "input_shape", "input_dim", "force_backward"]) if (subject.net[field] !== undefined) out[field] = structuredClone(subject.net[field]);
  return out;
}

/** For a net whose only loss is a SoftmaxWithLoss without ignore_label: what saturation looks like. */
function softmaxInfo(train: PhaseNet, batch: number): { n: number; lossWeight: number; classes?: number } | undefined {
  const losses = train.layers.filter((l) => l.type.endsWith("Loss") || l.param["loss_weight"] !== undefined);
  if (losses.length !== 1 || losses[0]!.type !== "SoftmaxWithLoss") return undefined;
  const loss = losses[0]!;
  if (num(sub(loss.param, "loss_param"), "ignore_label") !== undefined) return undefined;
  const scores = loss.bottomShapes[0];
  const spatial = scores ? scores.slice(2).reduce((a, b) => a * b, 1) : 1;
  const normalization = str(sub(loss.param, "loss_param"), "normalization", "VALID");
  const n = normalization === "BATCH_SIZE" ? batch : normalization === "NONE" ? 1 : batch * spatial;
  return { n, lossWeight: nums(loss.param, "loss_weight")[0] ?? 1, ...(scores?.[1] !== undefined ? { classes: scores[1] } : {}) };
}

export type ProbeOutcome = { report: ProbeReport; confirmations: Map<Finding, Confirmation> } | { skipped: string };

function describeRun(run: ProbeRun): string {
  const shown = run.rawLosses.slice(0, 6).map((l) => (Number.isFinite(l) ? Number(l.toPrecision(6)) : String(l))).join(", ");
  return `${run.verdict} (loss ${shown}${run.rawLosses.length > 6 ? ", ..." : ""})`;
}

export function runProbe(subject: ProbeSubject, findings: readonly Finding[], options: ProbeOptions = {}): ProbeOutcome {
  const started = performance.now();
  const seed = options.seed ?? PROBE_DEFAULTS.seed;
  const budget = options.budgetSeconds ?? PROBE_DEFAULTS.budgetSeconds;
  let iterations = options.iterations ?? PROBE_DEFAULTS.iterations;
  const notes: string[] = [];
  const declared = batchSize(subject.train);
  if (declared === undefined) return { skipped: "the TRAIN net declares no batch size" };
  let batch = options.batch ?? Math.min(declared, PROBE_DEFAULTS.maxBatch);
  if (batch !== declared) notes.push(`batch ${batch} instead of ${declared}${options.batch ? "" : " (the probe's default; --probe-batch to change)"}`);

  const cost = estimateCost(subject.train, declared);
  // Baseline, maybe lr = 0, and fix runs: plan for three runs within the budget.
  const runsPlanned = 3;
  while (batch > 1 && (estimateSeconds(cost, batch, iterations) * runsPlanned > budget || (cost.bytes * batch) / declared > MAX_PROBE_BYTES)) {
    batch = Math.ceil(batch / 2);
    notes.push(`batch reduced to ${batch} to fit the ${budget} s budget`);
  }
  while (iterations > MIN_ITERATIONS && estimateSeconds(cost, batch, iterations) * runsPlanned > budget) iterations = Math.max(MIN_ITERATIONS, Math.floor(iterations / 2));
  if (estimateSeconds(cost, batch, iterations) * runsPlanned > budget * 4) {
    return { skipped: `the net is too large to probe within ${budget} s (about ${Math.round(estimateSeconds(cost, batch, iterations))} s per run at batch ${batch}); raise --probe-budget` };
  }
  const solver = subject.solver ?? DEFAULT_SOLVER;
  if (!subject.solver) notes.push("no solver given: SGD, base_lr 0.01, momentum 0.9, weight_decay 0.0005");

  const run = (label: string, s: { train: PhaseNet; net: PlainMessage; solver?: PlainMessage }, overrides: PlainMessage = {}, initial = subject.initial): RunOutput =>
    runProbeOnce({
      net: engineNet(s, batch),
      solver: { ...(s.solver ?? solver), ...overrides },
      iterations,
      seed,
      label,
      ...(subject.records ? { records: subject.records } : {}),
      ...(subject.meanImage ? { meanImage: subject.meanImage } : {}),
      ...(subject.syntheticShape ? { syntheticShape: subject.syntheticShape } : {}),
      ...(initial ? { initial } : {}),
      ...(softmaxInfo(s.train, batch) ? { softmax: softmaxInfo(s.train, batch)! } : {}),
      ...(options.onProgress ? { onIteration: (i: number, loss: number) => options.onProgress!(label, i, iterations, loss) } : {}),
    });

  const baseline = run("as written", subject);
  const report: ProbeReport = {
    verdict: baseline.run.verdict,
    losses: baseline.run.losses,
    rawLosses: baseline.run.rawLosses,
    firstNonFinite: baseline.run.firstNonFinite,
    saturated: baseline.run.saturated,
    evidence: baseline.run.evidence,
    settings: { iterations, batch, seed, solver: solver === DEFAULT_SOLVER ? "default SGD" : "from the solver", data: subject.dataNote, notes },
    layers: baseline.traces,
    fixRuns: [],
    seconds: 0,
  };
  const confirmations = new Map<Finding, Confirmation>();
  const elapsed = () => (performance.now() - started) / 1000;

  const ratios = baseline.traces.filter((t) => t.maxUpdateRatio !== undefined && Number.isFinite(t.maxUpdateRatio));
  if (ratios.length > 0) {
    const top = ratios.reduce((a, b) => (b.maxUpdateRatio! > a.maxUpdateRatio! ? b : a));
    report.maxUpdateRatio = { layer: top.layer, ratio: top.maxUpdateRatio! };
    if (top.maxUpdateRatio! > UPDATE_RATIO_HIGH) {
      report.evidence.push(`updates reach ${top.maxUpdateRatio!.toExponential(1)} of the weights' size at layer '${top.layer}' (lr·|dW|/|W|; about 1e-3 is healthy)`);
    }
  }
  if (baseline.run.verdict !== "non-finite" && subject.train.layers.some((l) => l.type === "BatchNorm")) {
    report.batchNormPhases = compareBatchNormPhases(subject, batch, seed, baseline.final);
    const off = report.batchNormPhases.find((b) => b.ratio > BN_PHASE_RATIO || b.ratio < 1 / BN_PHASE_RATIO);
    if (off) report.evidence.push(`BatchNorm '${off.layer}' gives outputs ${off.ratio.toPrecision(3)}x as large in TEST as in TRAIN on the same batch: the statistics TEST uses do not describe the data`);
  }

  if (!Number.isFinite(baseline.run.rawLosses[0] ?? NaN) && elapsed() < budget) {
    const zero = run("lr = 0", subject, { base_lr: 0 }, baseline.initial);
    report.lrZero = zero.run;
    report.evidence.push(
      zero.run.verdict === "non-finite"
        ? "the loss is not finite even with lr = 0: the fault is in the data, the initialisation or the net, not the learning rate"
        : `with lr = 0 the loss is finite (${describeRun(zero.run)}): the first update is what breaks it`,
    );
  }

  if (baseline.run.verdict !== "ok") {
    const candidates = findings.filter((f) => f.fix?.edits?.length && SYMPTOMS[f.ruleId]?.includes(baseline.run.verdict) && f.severity !== "info");
    const byRule = new Map<string, Finding[]>();
    for (const f of candidates) byRule.set(f.ruleId, [...(byRule.get(f.ruleId) ?? []), f]);
    const cured = (r: ProbeRun) => RANK[r.verdict] > RANK[baseline.run.verdict];
    for (const [ruleId, group] of byRule) {
      if (elapsed() > budget) {
        notes.push(`fix run for ${ruleId} skipped: budget spent`);
        continue;
      }
      const rebuilt = subject.rebuild(group.flatMap((f) => f.fix!.edits!));
      if (!rebuilt) continue;
      const label = `${ruleId}: ${group[0]!.fix!.description.replace(/ \(.*\)$/, "")}${group.length > 1 ? ` (and ${group.length - 1} more like it)` : ""}`;
      const out = run(label, rebuilt, {}, baseline.initial);
      const fixRun: FixRun = { ...out.run, fix: out.run.label, ruleId };
      report.fixRuns.push(fixRun);
      if (cured(out.run)) {
        for (const f of group) {
          confirmations.set(f, {
            source: "probe",
            verdict: baseline.run.verdict,
            detail: `as written: ${describeRun(baseline.run)}; with the fix: ${describeRun(out.run)}`,
          });
        }
      }
    }
    // Several causes at once: no single fix cures the run, all of them together may.
    if (byRule.size > 1 && confirmations.size === 0 && elapsed() < budget) {
      const all = candidates.flatMap((f) => f.fix!.edits!);
      const rebuilt = subject.rebuild(all);
      if (rebuilt) {
        const out = run("all fixes together", rebuilt, {}, baseline.initial);
        report.fixRuns.push({ ...out.run, fix: "all fixes together", ruleId: [...byRule.keys()].join(", ") });
        if (cured(out.run)) {
          for (const f of candidates) confirmations.set(f, { source: "probe", verdict: baseline.run.verdict, detail: `as written: ${describeRun(baseline.run)}; with all fixes together: ${describeRun(out.run)}` });
        }
      }
    }
  }
  report.seconds = elapsed();
  return { report, confirmations };
}
