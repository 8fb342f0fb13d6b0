/**
 * One solver update in the order of Caffe's SGDSolver::ApplyUpdate:
 * learning rate, ClipGradients over all learnable params, then per param
 * Normalize (1/iter_size), Regularize (L2 or L1 weight decay * decay_mult) and
 * ComputeUpdateValue (rate * lr_mult with the solver's rule), and finally
 * Net::Update (data -= diff). Afterwards each param's diff holds the step taken.
 */
import type { Net, LayerHook } from "../net.js";
import { announceUpdate, applyParamDiffs } from "../net.js";
import type { SolverSettings, SolverType } from "./settings.js";
import { learningRate } from "./lr-policy.js";

const f = Math.fround;

/** Per-param solver memory: Caffe's history_ (and the second history of AdaDelta and Adam). */
export interface SolverState {
  settings: SolverSettings;
  /** Caffe's iter_: number of updates applied so far. */
  iter: number;
  history: Float32Array[];
  history2: Float32Array[];
}

export interface UpdateInfo {
  iter: number;
  /** Rate from the lr policy, before lr_mult. */
  lr: number;
  /** sqrt(sum of squared diffs) over learnable params, before clipping and normalisation (float64). */
  gradL2: number;
  /** Factor applied by clip_gradients (1 when no clipping happened). */
  clipScale: number;
}

export function createSolver(settings: SolverSettings, net: Net): SolverState {
  const twoHistories = settings.type === "AdaDelta" || settings.type === "Adam";
  return {
    settings,
    iter: 0,
    history: net.learnable.map((p) => new Float32Array(p.blob.data.length)),
    history2: twoHistories ? net.learnable.map((p) => new Float32Array(p.blob.data.length)) : [],
  };
}

/** The L2 norm of all learnable params' diffs, in float64. */
export function gradientL2(net: Net): number {
  let sumsq = 0;
  for (const p of net.learnable) {
    const d = p.blob.diff;
    for (let i = 0; i < d.length; i++) sumsq += d[i]! * d[i]!;
  }
  return Math.sqrt(sumsq);
}

interface RuleArgs {
  g: Float32Array;
  h: Float32Array;
  h2: Float32Array | undefined;
  rate: number;
  s: SolverSettings;
  t: number;
}

/** ComputeUpdateValue per solver type: turns the regularised gradient g into the step, in place. */
const UPDATE_RULES: Record<SolverType, (a: RuleArgs) => void> = {
  SGD: ({ g, h, rate, s }) => {
    for (let i = 0; i < g.length; i++) {
      h[i] = rate * g[i]! + s.momentum * h[i]!;
      g[i] = h[i]!;
    }
  },
  Nesterov: ({ g, h, rate, s }) => {
    const m = s.momentum;
    const m1 = f(m + 1);
    for (let i = 0; i < g.length; i++) {
      const previous = h[i]!;
      h[i] = rate * g[i]! + m * previous;
      g[i] = m1 * h[i]! - m * previous;
    }
  },
  AdaGrad: ({ g, h, rate, s }) => {
    for (let i = 0; i < g.length; i++) {
      h[i] = h[i]! + f(g[i]! * g[i]!);
      g[i] = rate * f(g[i]! / f(f(Math.sqrt(h[i]!)) + s.delta));
    }
  },
  RMSProp: ({ g, h, rate, s }) => {
    const keep = s.rmsDecay;
    const take = f(1 - keep);
    for (let i = 0; i < g.length; i++) {
      h[i] = take * f(g[i]! * g[i]!) + keep * h[i]!;
      g[i] = rate * f(g[i]! / f(f(Math.sqrt(h[i]!)) + s.delta));
    }
  },
  AdaDelta: ({ g, h, h2, rate, s }) => {
    const m = s.momentum;
    const take = f(1 - m);
    const updates = h2!;
    for (let i = 0; i < g.length; i++) {
      h[i] = take * f(g[i]! * g[i]!) + m * h[i]!;
      const ratio = f(f(s.delta + updates[i]!) / f(s.delta + h[i]!));
      const step = f(g[i]! * f(Math.sqrt(ratio)));
      updates[i] = take * f(step * step) + m * updates[i]!;
      g[i] = rate * step;
    }
  },
  Adam: ({ g, h, h2, rate, s, t }) => {
    const b1 = s.momentum;
    const b2 = s.momentum2;
    const correction = f(Math.sqrt(1 - Math.pow(b2, t)) / (1 - Math.pow(b1, t)));
    const stepRate = f(rate * correction);
    const take1 = f(1 - b1);
    const take2 = f(1 - b2);
    const v = h2!;
    for (let i = 0; i < g.length; i++) {
      h[i] = take1 * g[i]! + b1 * h[i]!;
      v[i] = take2 * f(g[i]! * g[i]!) + b2 * v[i]!;
      g[i] = stepRate * f(h[i]! / f(f(Math.sqrt(v[i]!)) + s.delta));
    }
  },
};

/** Adam's bias correction at step t = iter + 1, as Caffe computes it (float32 of a double expression). */
export function adamCorrection(settings: SolverSettings, iter: number): number {
  const t = iter + 1;
  return f(Math.sqrt(1 - Math.pow(settings.momentum2, t)) / (1 - Math.pow(settings.momentum, t)));
}

/**
 * Apply one update to `net` from its accumulated param diffs (ApplyUpdate then
 * Net::Update), advance `solver.iter`, and report the rate and gradient norm.
 */
export function applyUpdate(solver: SolverState, net: Net, hook?: LayerHook): UpdateInfo {
  const s = solver.settings;
  const lr = learningRate(s, solver.iter);
  if (s.type === "SGD" && s.iterSize === 1 && s.clipGradients < 0 && s.regularizationType === "L2") {
    const gradL2 = fusedSgdStep(solver, net, lr);
    announceUpdate(net, hook);
    const info = { iter: solver.iter, lr, gradL2, clipScale: 1 };
    solver.iter++;
    return info;
  }
  const gradL2 = gradientL2(net);
  let clipScale = 1;
  if (s.clipGradients >= 0) {
    const l2 = f(gradL2);
    if (l2 > s.clipGradients) {
      clipScale = f(s.clipGradients / l2);
      for (const p of net.learnable) scaleInPlace(p.blob.diff, clipScale);
    }
  }
  const normalization = f(1 / s.iterSize);
  net.learnable.forEach((p, index) => {
    const { data, diff } = p.blob;
    if (s.iterSize !== 1) scaleInPlace(diff, normalization);
    const localDecay = f(s.weightDecay * p.decayMult);
    if (localDecay !== 0) {
      if (s.regularizationType === "L2") for (let i = 0; i < diff.length; i++) diff[i] = diff[i]! + localDecay * data[i]!;
      else for (let i = 0; i < diff.length; i++) diff[i] = diff[i]! + localDecay * signOf(data[i]!);
    }
    UPDATE_RULES[s.type]({ g: diff, h: solver.history[index]!, h2: solver.history2[index], rate: f(lr * p.lrMult), s, t: solver.iter + 1 });
  });
  applyParamDiffs(net, hook);
  const info = { iter: solver.iter, lr, gradL2, clipScale };
  solver.iter++;
  return info;
}

/**
 * The plain SGD step (momentum, L2 weight decay, no clipping, iter_size 1) in
 * one pass over each param instead of four: the gradient norm, Regularize,
 * ComputeUpdateValue and Net::Update, element by element with the same
 * operations and float32 roundings, in the same order, as the general path.
 * Returns the gradient's L2 norm.
 */
function fusedSgdStep(solver: SolverState, net: Net, lr: number): number {
  const s = solver.settings;
  const momentum = s.momentum;
  let sumsq = 0;
  for (let index = 0; index < net.learnable.length; index++) {
    const p = net.learnable[index]!;
    const { data, diff } = p.blob;
    const h = solver.history[index]!;
    const decay = f(s.weightDecay * p.decayMult);
    const rate = f(lr * p.lrMult);
    // Without decay the gradient is used as it is (as in the general path: 0 * Inf would be NaN).
    sumsq += decay !== 0 ? sgdStepWithDecay(data, diff, h, rate, decay, momentum) : sgdStepPlain(data, diff, h, rate, momentum);
  }
  return Math.sqrt(sumsq);
}

/*
 * The two loops of fusedSgdStep are functions of their own, as are other hot loops in the engine:
 * V8 optimises a long loop while it runs (on-stack replacement), and a branch of the enclosing
 * function that the first calls never took has no type feedback, so reaching it later threw the
 * optimised loop away again on every step (32 times in a 30-iteration probe of a net whose
 * Scale layers have no weight decay).
 */

/** One SGD step with L2 decay over one param; returns the sum of the squared raw diffs. */
function sgdStepWithDecay(data: Float32Array, diff: Float32Array, h: Float32Array, rate: number, decay: number, momentum: number): number {
  let sumsq = 0;
  for (let i = 0; i < diff.length; i++) {
    const raw = diff[i]!;
    sumsq += raw * raw;
    const step = f(rate * f(raw + decay * data[i]!) + momentum * h[i]!);
    h[i] = step;
    diff[i] = step;
    data[i] = data[i]! - step;
  }
  return sumsq;
}

/** One SGD step without decay over one param; returns the sum of the squared raw diffs. */
function sgdStepPlain(data: Float32Array, diff: Float32Array, h: Float32Array, rate: number, momentum: number): number {
  let sumsq = 0;
  for (let i = 0; i < diff.length; i++) {
    const raw = diff[i]!;
    sumsq += raw * raw;
    const step = f(rate * raw + momentum * h[i]!);
    h[i] = step;
    diff[i] = step;
    data[i] = data[i]! - step;
  }
  return sumsq;
}

function scaleInPlace(arr: Float32Array, factor: number): void {
  for (let i = 0; i < arr.length; i++) arr[i] = arr[i]! * factor;
}

/** caffe_cpu_sign: -1, 0 or 1 (0 for NaN). */
function signOf(x: number): number {
  return x > 0 ? 1 : x < 0 ? -1 : 0;
}
