/**
 * The training probe: plan a run that fits the budget, run the net as
 * written, run it again with lr = 0 when it is broken from the first
 * iteration, re-run each suggested fix from the same initial weights, and say
 * which static findings the runs confirm.
 */
import type { Confirmation, Finding, TextEdit } from "../findings.js";
import { num, nums, str, sub } from "../model/access.js";
import type { PhaseNet } from "../model/types.js";
import { batchSize } from "../model/build.js";
import type { MeanImage, RecordSource } from "../engine/types.js";
import type { PlainMessage } from "../schema/types.js";
import { inputFeeder, syntheticRecords } from "./feed.js";
import { describePlan, planInputs, type InputPlan, type PlanContext } from "./inputs.js";
import { probeNet, probeShapes, type ProbeScale } from "./probe-net.js";
import { batchNormOutputs, runProbeOnce, type RunInput, type RunOutput } from "./run.js";
import { chooseScale } from "./scale.js";
import type { FixRun, ProbeReport, ProbeRun, ProbeVerdict } from "./types.js";

export interface ProbeOptions {
  iterations?: number;
  batch?: number;
  seed?: number;
  budgetSeconds?: number;
  /** Progress: which run, iteration and loss; for a terminal display. */
  onProgress?: (run: string, iteration: number, iterations: number, loss: number) => void;
}

export const PROBE_DEFAULTS = { iterations: 30, seed: 1701, budgetSeconds: 60 } as const;

/** What the probe needs to know about the thing it runs; built by the lint stage. */
export interface ProbeSubject {
  train: PhaseNet;
  /** Net-level deprecated inputs (`input`, `input_shape`, `input_dim`) of the net message. */
  net: PlainMessage;
  solver?: PlainMessage;
  /** The records of a Data layer whose LMDB could be read. */
  records?: (layer: PlainMessage) => RecordSource | undefined;
  meanImage?: (path: string) => MeanImage | undefined;
  /** What the input plan needs: shapes the user gave, readable LMDBs, mean files. */
  inputs: PlanContext;
  /** Facts about the data worth a line in the report (datasets not found, ...). */
  dataNotes?: string[];
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
function compareBatchNormPhases(input: Omit<RunInput, "iterations" | "label" | "solver" | "softmax">, params: Map<string, Float32Array[]>): NonNullable<ProbeReport["batchNormPhases"]> {
  const train = batchNormOutputs(input, params, "TRAIN");
  const test = batchNormOutputs(input, params, "TEST");
  return [...train].map(([layer, t]) => {
    const v = test.get(layer) ?? NaN;
    // A ratio needs a non-zero TRAIN output; null says "TRAIN gave all zeros".
    return { layer, train: t, test: v, ratio: t > 0 ? v / t : null };
  });
}

/** The BatchNorm comparison in words, when TEST and TRAIN disagree by more than BN_PHASE_RATIO. */
function batchNormPhaseEvidence(phases: NonNullable<ProbeReport["batchNormPhases"]>): string | undefined {
  const zero = phases.find((b) => b.ratio === null && b.test > 0);
  if (zero) return `BatchNorm '${zero.layer}' gives all-zero outputs in TRAIN but mean |x| = ${Number(zero.test.toPrecision(3))} in TEST on the same batch: its input is constant over the batch, and TEST's stored statistics do not describe the data`;
  const off = phases.find((b) => b.ratio !== null && (b.ratio > BN_PHASE_RATIO || b.ratio < 1 / BN_PHASE_RATIO));
  if (off) return `BatchNorm '${off.layer}' gives outputs ${off.ratio!.toPrecision(3)}x as large in TEST as in TRAIN on the same batch: the statistics TEST uses do not describe the data`;
  return undefined;
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

/** A static finding the probe did not reproduce, and why. */
export interface Refutation {
  verdict: string;
  detail: string;
}

export type ProbeOutcome = { report: ProbeReport; confirmations: Map<Finding, Confirmation>; refutations: Map<Finding, Refutation> } | { skipped: string };

function describeRun(run: ProbeRun): string {
  const shown = run.rawLosses.slice(0, 6).map((l) => (Number.isFinite(l) ? Number(l.toPrecision(6)) : String(l))).join(", ");
  return `${run.verdict} (loss ${shown}${run.rawLosses.length > 6 ? ", ..." : ""})`;
}

/** One run's engine input: the net fed as its input plan says, at the probe's scale. */
function runInput(subject: ProbeSubject, s: { train: PhaseNet; net: PlainMessage }, plan: InputPlan, scale: ProbeScale, seed: number): Omit<RunInput, "iterations" | "label" | "solver"> {
  const built = probeNet(s.train, s.net, plan, scale);
  const real = new Set(plan.sources.filter((x) => x.mode === "lmdb").map((x) => x.layer));
  const softmax = softmaxInfo(probeShapes(s.train, s.net, plan, scale), scale.batch);
  const records = (layer: PlainMessage): RecordSource | undefined => {
    const name = str(layer, "name", "");
    if (real.has(name)) return subject.records?.(layer);
    const shape = built.records.get(name);
    return shape ? syntheticRecords([shape.channels, shape.height, shape.width], shape.labels, scale.batch, seed) : undefined;
  };
  return {
    net: built.net,
    seed,
    records,
    ...(subject.meanImage ? { meanImage: subject.meanImage } : {}),
    syntheticShape: (layer: PlainMessage) => built.records.get(str(layer, "name", "")),
    inputValues: inputFeeder(plan, seed),
    ...(softmax ? { softmax } : {}),
  };
}

export function runProbe(subject: ProbeSubject, findings: readonly Finding[], options: ProbeOptions = {}): ProbeOutcome {
  const started = performance.now();
  const seed = options.seed ?? PROBE_DEFAULTS.seed;
  const budget = options.budgetSeconds ?? PROBE_DEFAULTS.budgetSeconds;
  const notes: string[] = [];
  const stated = batchSize(subject.train);
  const declared = options.batch ?? stated ?? 1;
  if (stated === undefined && options.batch === undefined) notes.push("the net declares no batch size: batch 1 (--probe-batch to change)");
  const plan = planInputs(subject.train, subject.net, subject.inputs, declared);
  if (plan.blocked) return { skipped: plan.blocked };
  const chosen = chooseScale({
    phase: subject.train,
    net: subject.net,
    plan,
    declared: stated ?? declared,
    ...(options.batch !== undefined ? { batch: options.batch } : {}),
    iterations: options.iterations ?? PROBE_DEFAULTS.iterations,
    budgetSeconds: budget,
    withWeights: subject.initial !== undefined,
  });
  if ("skipped" in chosen) return chosen;
  const { scale, iterations } = chosen;
  const batch = scale.batch;
  if (options.batch !== undefined && stated !== undefined && options.batch !== stated) notes.push(`batch ${options.batch} instead of ${stated} (--probe-batch)`);
  notes.push(...chosen.notes, ...(subject.dataNotes ?? []));
  for (const source of plan.sources) {
    if (source.assumed) notes.push(`${source.layer}: assumed ${source.assumed}`);
    notes.push(...source.notes.map((n) => `${source.layer}: ${n}`));
  }
  const solver = subject.solver ?? DEFAULT_SOLVER;
  if (!subject.solver) notes.push("no solver given: SGD, base_lr 0.01, momentum 0.9, weight_decay 0.0005");

  const planFor = (s: { train: PhaseNet; net: PlainMessage }) => (s.train === subject.train ? plan : planInputs(s.train, s.net, subject.inputs, declared));
  const run = (label: string, s: { train: PhaseNet; net: PlainMessage; solver?: PlainMessage }, overrides: PlainMessage = {}, initial = subject.initial): RunOutput =>
    runProbeOnce({
      ...runInput(subject, s, planFor(s), scale, seed),
      solver: { ...(s.solver ?? solver), ...overrides },
      iterations,
      label,
      ...(initial ? { initial } : {}),
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
    settings: { iterations, batch, seed, solver: solver === DEFAULT_SOLVER ? "default SGD" : "from the solver", data: describePlan(plan), notes, ...(chosen.scaled ? { scaled: chosen.scaled } : {}) },
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
    report.batchNormPhases = compareBatchNormPhases(runInput(subject, subject, plan, scale, seed), baseline.final);
    const said = batchNormPhaseEvidence(report.batchNormPhases);
    if (said) report.evidence.push(said);
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
  const refutations = new Map<Finding, Refutation>();
  for (const f of findings) {
    if (confirmations.has(f) || f.severity === "info" || !SYMPTOMS[f.ruleId]) continue;
    refutations.set(f, { verdict: baseline.run.verdict, detail: refutationDetail(f, baseline, report) });
  }
  report.seconds = elapsed();
  return { report, confirmations, refutations };
}

/** Why a finding's predicted failure did not show: what the run did instead, or what its fix run did. */
function refutationDetail(f: Finding, baseline: RunOutput, report: ProbeReport): string {
  const expected = SYMPTOMS[f.ruleId]!;
  const trace = f.layer !== undefined ? baseline.traces.find((t) => t.layer === f.layer) : undefined;
  const silent = trace && trace.topData.length > 0 && trace.topData.every((v) => v === 0);
  const why = silent ? `; the probe's inputs never reached layer '${f.layer}' with a non-zero value` : "";
  if (!expected.includes(baseline.run.verdict)) return `the run as written was ${describeRun(baseline.run)}, not ${expected.join(" or ")}${why}`;
  const fixRun = report.fixRuns.find((r) => r.ruleId.split(", ").includes(f.ruleId));
  if (fixRun) return `the run as written was ${describeRun(baseline.run)}, and with the fix still ${describeRun(fixRun)}: this fix does not cure it${why}`;
  if (!f.fix?.edits?.length) return `the run as written was ${describeRun(baseline.run)}, but the finding has no automatic fix to test`;
  return `the run as written was ${describeRun(baseline.run)}; its fix was not tried (${report.settings.notes.find((n) => n.includes(f.ruleId)) ?? "no rebuild"})`;
}
