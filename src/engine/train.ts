/**
 * Training iterations as Caffe's Solver::Step runs them: clear param diffs,
 * iter_size forward/backward sub-passes (losses summed in float32, then
 * averaged), the solver update, with callbacks between backward and update
 * and after the update, and optional per-layer statistics.
 */
import type { Net, LayerHook, LayerPass } from "./net.js";
import { forward, backward, clearParamDiffs } from "./net.js";
import type { SolverState, UpdateInfo } from "./solvers/update.js";
import { applyUpdate } from "./solvers/update.js";
import type { BlobStats } from "./stats.js";
import { blobStats } from "./stats.js";

/**
 * Statistics of one blob seen by a layer pass, as Caffe's debug_info lists
 * them: after forward the tops' and params' data, after backward the
 * back-propagated bottoms' and params' diff, after the update params' data and diff.
 */
export interface BlobPassStats {
  /** Blob name, or `<layer>#<index>` for a parameter blob. */
  name: string;
  role: "top" | "bottom" | "param";
  data?: BlobStats;
  diff?: BlobStats;
}

export interface LayerPassStats {
  layer: string;
  pass: LayerPass;
  blobs: BlobPassStats[];
}

export interface IterationResult extends UpdateInfo {
  /** The iteration's loss (float32, averaged over iter_size sub-passes), before the update. */
  loss: number;
  /**
   * What `caffe train` prints as "Iteration i, loss = ": Caffe's smoothed_loss_,
   * a float32 running mean over the last average_loss losses, updated
   * incrementally (so it drifts from the true loss in the last digits).
   */
  smoothedLoss: number;
  /** Per sub-pass losses (one entry when iter_size is 1). */
  subLosses: number[];
  /** Per-layer statistics in pass order, when `layerStats` was requested. */
  layers?: LayerPassStats[];
}

export interface TrainOptions {
  iterations: number;
  /** Called after each layer's forward, backward and after the update. */
  onLayer?: LayerHook;
  /** Called after the forward/backward sub-passes, before the update (gradients are raw, summed over sub-passes). */
  beforeUpdate?: (iteration: number, loss: number, net: Net) => void;
  /** Called after the update (param diffs hold the step taken). Return false to stop. */
  afterUpdate?: (result: IterationResult, net: Net) => boolean | void;
  /** Record mean |x|, sum, NaN/Inf counts per layer pass (what Caffe's debug_info prints, and more). */
  layerStats?: boolean;
  /** Stop after the first iteration whose loss is not finite. */
  stopOnNonFinite?: boolean;
}

function statsHook(sink: LayerPassStats[]): LayerHook {
  return (layer, pass, blobs) => {
    const entries: BlobPassStats[] = [];
    if (pass === "forward") for (const t of blobs.tops) entries.push({ name: t.name, role: "top", data: blobStats(t.blob.data) });
    if (pass === "backward") for (const b of blobs.bottoms) entries.push({ name: b.name, role: "bottom", diff: blobStats(b.blob.diff) });
    blobs.params.forEach((p, i) => {
      const name = `${layer}#${i}`;
      if (pass === "backward") entries.push({ name, role: "param", diff: blobStats(p.diff) });
      if (pass === "forward") entries.push({ name, role: "param", data: blobStats(p.data) });
      if (pass === "update") entries.push({ name, role: "param", data: blobStats(p.data), diff: blobStats(p.diff) });
    });
    sink.push({ layer, pass, blobs: entries });
  };
}

function combineHooks(a: LayerHook | undefined, b: LayerHook | undefined): LayerHook | undefined {
  if (!a) return b;
  if (!b) return a;
  return (...args) => {
    a(...args);
    b(...args);
  };
}

/** Caffe's Solver::UpdateSmoothedLoss state: the window of recent losses and the running value. */
interface SmoothedLoss {
  window: number[];
  value: number;
}

function updateSmoothedLoss(state: SmoothedLoss, loss: number, size: number, step: number): number {
  const f = Math.fround;
  if (state.window.length < size) {
    state.window.push(loss);
    const n = state.window.length;
    state.value = f(f(f(state.value * (n - 1)) + loss) / n);
  } else {
    const index = step % size;
    state.value = f(state.value + f(f(loss - state.window[index]!) / size));
    state.window[index] = loss;
  }
  return state.value;
}

/** Run `options.iterations` solver iterations on `net`, returning what each one did. */
export function trainSteps(net: Net, solver: SolverState, options: TrainOptions): IterationResult[] {
  const results: IterationResult[] = [];
  const iterSize = solver.settings.iterSize;
  const smoothed: SmoothedLoss = { window: [], value: 0 };
  for (let n = 0; n < options.iterations; n++) {
    const sink: LayerPassStats[] = [];
    const hook = combineHooks(options.onLayer, options.layerStats ? statsHook(sink) : undefined);
    clearParamDiffs(net);
    let loss = 0;
    const subLosses: number[] = [];
    for (let k = 0; k < iterSize; k++) {
      const subLoss = forward(net, hook);
      backward(net, hook);
      subLosses.push(subLoss);
      loss = Math.fround(loss + subLoss);
    }
    loss = Math.fround(loss / iterSize);
    options.beforeUpdate?.(solver.iter, loss, net);
    const smoothedLoss = updateSmoothedLoss(smoothed, loss, solver.settings.averageLoss, n);
    const info = applyUpdate(solver, net, hook);
    const result: IterationResult = { ...info, loss, smoothedLoss, subLosses, ...(options.layerStats ? { layers: sink } : {}) };
    results.push(result);
    const proceed = options.afterUpdate?.(result, net);
    if (proceed === false) break;
    if (options.stopOnNonFinite && !Number.isFinite(loss)) break;
  }
  return results;
}
