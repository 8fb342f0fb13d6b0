/**
 * Planning a probe that fits its budget. The net's own batch at its own size
 * when that fits; otherwise a smaller batch first (never below what BatchNorm
 * needs to estimate statistics), then a smaller spatial size, keeping every
 * layer: the largest size, down to the smallest valid input, whose run fits.
 * Validity and cost come from static shapes of the rewritten net. With
 * pretrained weights the spatial size is scaled only where no weight shape
 * depends on it.
 */
import { bool, sub } from "../model/access.js";
import { convGeometry } from "../model/shapes.js";
import type { PhaseNet } from "../model/types.js";
import type { PlainMessage } from "../schema/types.js";
import { estimateCost, estimateSeconds } from "./cost.js";
import type { InputPlan } from "./inputs.js";
import { probeShapes, type ProbeScale } from "./probe-net.js";

/** Blob memory a probe may use. */
export const MAX_PROBE_BYTES = 2 * 1024 ** 3;
/** Fewest iterations that still tell a verdict. */
export const MIN_ITERATIONS = 8;
/** Runs planned within the budget: as written, lr = 0 or a fix, and one more fix. */
export const RUNS_PLANNED = 3;
/** Smallest batch for a net with BatchNorm: one sample's statistics are its own values (outputs all 0). */
export const MIN_BATCH_NORM_BATCH = 2;
/** Smallest spatial size tried. */
const MIN_SPATIAL = 4;

export interface ScalePlan {
  scale: ProbeScale;
  iterations: number;
  /** What was reduced and why, in words. */
  notes: string[];
  /** Main image input shape as the net declares it and as the probe runs it (when they differ). */
  scaled?: { from: number[]; to: number[] };
  /** Estimated seconds of one run. */
  seconds: number;
}

interface Candidate {
  shapes: PhaseNet;
  seconds: number;
  bytes: number;
}

/** Pooling layers whose window covers the whole input at full size. */
function coveringPools(full: PhaseNet): Set<string> {
  const out = new Set<string>();
  for (const layer of full.layers) {
    if (layer.type !== "Pooling") continue;
    const p = sub(layer.param, "pooling_param");
    if (bool(p, "global_pooling", false)) continue;
    const bottom = layer.bottomShapes[0];
    if (!bottom || bottom.length !== 4) continue;
    const g = convGeometry(p);
    if (g.pad[0] === 0 && g.pad[1] === 0 && g.kernel[0] >= bottom[2]! && g.kernel[1] >= bottom[3]!) out.add(layer.name);
  }
  return out;
}

/** Every shape known at full size is known and positive at the candidate size. */
function validAgainst(full: PhaseNet, candidate: PhaseNet): boolean {
  if (full.layers.length !== candidate.layers.length) return false;
  return full.layers.every((layer, i) => {
    const other = candidate.layers[i]!;
    return layer.topShapes.every((s, t) => s === undefined || (other.topShapes[t] !== undefined && other.topShapes[t]!.every((d) => Number.isFinite(d) && d >= 1)));
  });
}

/** Layers whose bottoms must agree in shape (Caffe checks them at Reshape): Concat outside its axis, Eltwise everywhere. */
function bottomsAgree(net: PhaseNet): boolean {
  return net.layers.every((layer) => {
    const shapes = layer.bottomShapes;
    if (shapes.length < 2 || shapes.some((b) => b === undefined)) return true;
    const first = shapes[0]!;
    if (layer.type === "Concat") {
      const p = sub(layer.param, "concat_param");
      const raw = p?.["axis"] ?? p?.["concat_dim"] ?? 1;
      const axis = Number(raw) < 0 ? Number(raw) + first.length : Number(raw);
      return shapes.every((b) => b!.length === first.length && b!.every((d, i) => i === axis || d === first[i]));
    }
    if (layer.type === "Eltwise") return shapes.every((b) => b!.length === first.length && b!.every((d, i) => d === first[i]));
    if (layer.type === "Axpy" && shapes.length === 3) return shapes[1]!.every((d, i) => d === shapes[2]![i]);
    return true;
  });
}

/** Every weight shape is the same at the candidate size (so pretrained weights still load). */
function sameWeights(full: PhaseNet, candidate: PhaseNet): boolean {
  return full.layers.every((layer, i) => layer.paramCount !== undefined && layer.paramCount === candidate.layers[i]!.paramCount);
}

export interface ScaleRequest {
  phase: PhaseNet;
  net: PlainMessage;
  plan: InputPlan;
  /** The net's own batch. */
  declared: number;
  /** A batch the user asked for (never changed). */
  batch?: number;
  iterations: number;
  budgetSeconds: number;
  withWeights: boolean;
}

const shapeText = (s: number[]) => s.join("×");

/** The main image input: the largest 4-D image-like top. */
function mainInput(plan: InputPlan, shapes: PhaseNet): number[] | undefined {
  let best: number[] | undefined;
  for (const source of plan.sources) {
    const node = shapes.layers.find((l) => l.name === source.layer);
    node?.topShapes.forEach((s, i) => {
      const kind = source.tops[i]?.kind;
      if (s && s.length === 4 && (kind === "image" || kind === "float") && (!best || s[2]! * s[3]! > best[2]! * best[3]!)) best = s;
    });
  }
  return best;
}

export function chooseScale(req: ScaleRequest): ScalePlan | { skipped: string } {
  const { budgetSeconds: budget } = req;
  const notes: string[] = [];
  const hasBatchNorm = req.phase.layers.some((l) => l.type === "BatchNorm");
  const minBatch = req.batch ?? Math.min(req.declared, hasBatchNorm ? MIN_BATCH_NORM_BATCH : 1);
  const cache = new Map<string, Candidate>();
  const full = probeShapes(req.phase, req.net, req.plan, { batch: req.declared, factor: 1, globalPools: new Set() });
  const pools = coveringPools(full);
  const candidate = (scale: ProbeScale): Candidate => {
    const key = `${scale.batch}:${scale.factor}`;
    let c = cache.get(key);
    if (!c) {
      const shapes = scale.factor === 1 && scale.batch === req.declared ? full : probeShapes(req.phase, req.net, req.plan, scale);
      const cost = estimateCost(shapes, scale.batch);
      c = { shapes, seconds: estimateSeconds(cost, scale.batch, req.iterations), bytes: cost.bytes };
      cache.set(key, c);
    }
    return c;
  };
  const at = (batch: number, factor: number): ProbeScale => ({ batch, factor, globalPools: factor === 1 ? new Set() : pools });
  const fits = (c: Candidate) => c.seconds * RUNS_PLANNED <= budget && c.bytes <= MAX_PROBE_BYTES;
  const perRun = (c: Candidate) => `about ${c.seconds < 10 ? c.seconds.toPrecision(2) : Math.round(c.seconds)} s per run`;

  // 1. The net's own batch (or the user's) at full size.
  let batch = req.batch ?? req.declared;
  const own = candidate(at(batch, 1));
  if (fits(own)) return { scale: at(batch, 1), iterations: req.iterations, notes, seconds: own.seconds };

  // 2. A smaller batch.
  if (req.batch === undefined) {
    while (batch > minBatch && !fits(candidate(at(batch, 1)))) batch = Math.max(minBatch, Math.ceil(batch / 2));
    const smaller = candidate(at(batch, 1));
    if (fits(smaller)) {
      notes.push(`batch ${batch} instead of ${req.declared}: the net's own batch would take ${perRun(own)}, over the ${budget} s budget for ${RUNS_PLANNED} runs (--probe-budget to allow more)`);
      return { scale: at(batch, 1), iterations: req.iterations, notes, seconds: smaller.seconds };
    }
  }

  // 3. A smaller spatial size, keeping every layer: the largest that fits, then down to the first valid one.
  const fullInput = mainInput(req.plan, full);
  const spatial = fullInput ? Math.max(fullInput[2]!, fullInput[3]!) : 0;
  const factorOf = (size: number) => size / spatial;
  const valid = (size: number) => {
    const c = candidate(at(minBatch, factorOf(size)));
    return validAgainst(full, c.shapes) && bottomsAgree(c.shapes) && (!req.withWeights || sameWeights(full, c.shapes));
  };
  if (spatial > MIN_SPATIAL) {
    // Cost grows with the size: the largest size whose run fits, by bisection.
    let lo = MIN_SPATIAL - 1;
    let hi = spatial;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (fits(candidate(at(minBatch, factorOf(mid))))) lo = mid;
      else hi = mid;
    }
    for (let size = lo; size >= MIN_SPATIAL; size--) {
      if (!valid(size)) continue;
      const factor = factorOf(size);
      // The largest batch up to the net's own that still fits at this size.
      let b = minBatch;
      if (req.batch === undefined) while (b < req.declared && fits(candidate(at(Math.min(req.declared, b * 2), factor)))) b = Math.min(req.declared, b * 2);
      return finish(at(b, factor), req.iterations, candidate(at(b, factor)));
    }
  }
  // 4. The smallest valid size (or the full one) with fewer iterations.
  let smallest: number | undefined;
  for (let size = MIN_SPATIAL; size < spatial && smallest === undefined; size++) if (valid(size)) smallest = size;
  const factor = smallest !== undefined ? factorOf(smallest) : 1;
  const c = candidate(at(minBatch, factor));
  let iterations = req.iterations;
  const seconds = (n: number) => (c.seconds / req.iterations) * n;
  while (iterations > MIN_ITERATIONS && seconds(iterations) * RUNS_PLANNED > budget) iterations = Math.max(MIN_ITERATIONS, Math.floor(iterations / 2));
  if (c.bytes > MAX_PROBE_BYTES) return { skipped: `the net needs about ${(c.bytes / 1024 ** 3).toFixed(1)} GiB of blobs even at batch ${minBatch}${factor < 1 ? ` and ${shapeText(scaledInput(factor))}` : ""}` };
  if (seconds(iterations) * RUNS_PLANNED > budget * 4) {
    const why = req.withWeights && smallest === undefined && spatial > MIN_SPATIAL ? " (the weights fix the input size)" : "";
    return { skipped: `the net is too large to probe within ${budget} s (about ${Math.round(seconds(iterations))} s per run at batch ${minBatch}${factor < 1 ? `, ${shapeText(scaledInput(factor))}` : ""}${why}); raise --probe-budget` };
  }
  if (iterations !== req.iterations) notes.push(`${iterations} iterations instead of ${req.iterations} to fit the ${budget} s budget`);
  return finish(at(minBatch, factor), iterations, c);

  function scaledInput(f: number): number[] {
    return mainInput(req.plan, candidate(at(minBatch, f)).shapes) ?? [];
  }
  function finish(scale: ProbeScale, iterations: number, chosen: Candidate): ScalePlan {
    const to = mainInput(req.plan, chosen.shapes);
    const from = fullInput ? [req.declared, ...fullInput.slice(1)] : undefined;
    if (scale.factor === 1 && scale.batch !== req.declared) notes.push(`batch ${scale.batch} instead of ${req.declared}: the net's own batch would take ${perRun(own)}, over the ${budget} s budget`);
    if (scale.factor !== 1 && to && from) {
      notes.push(`ran at ${shapeText(to)} instead of ${shapeText(from)}: the full size would take ${perRun(own)}, over the ${budget} s budget` + (scale.globalPools.size > 0 ? `; ${[...scale.globalPools].map((p) => `'${p}'`).join(", ")} pooled globally, as at full size` : ""));
    }
    return { scale, iterations, notes, ...(scale.factor !== 1 && to && from ? { scaled: { from, to } } : {}), seconds: chosen.seconds };
  }
}
