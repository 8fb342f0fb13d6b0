/**
 * Caffe's learning-rate policies as pure functions of the settings and the
 * iteration `it` (SGDSolver::GetLearningRate). With base_lr b, gamma g, power p:
 *   fixed:     b
 *   step:      b * g^floor(it / stepsize)
 *   exp:       b * g^it
 *   inv:       b * (1 + g*it)^(-p)
 *   multistep: b * g^k, k = how many of the (ascending) stepvalues are <= it
 *   poly:      b * (1 - it/max_iter)^p
 *   sigmoid:   b / (1 + exp(-g * (it - stepsize)))
 * The result is float32, with float32 intermediates where Caffe computes in
 * float (inv, poly, sigmoid) and double where C++ promotes (step, exp, multistep).
 */
import type { SolverSettings } from "./settings.js";

const f = Math.fround;

export const LR_POLICIES: Record<string, (s: SolverSettings, it: number) => number> = {
  fixed: (s) => s.baseLr,
  step: (s, it) => f(s.baseLr * Math.pow(s.gamma, Math.floor(it / s.stepsize))),
  exp: (s, it) => f(s.baseLr * Math.pow(s.gamma, it)),
  inv: (s, it) => f(s.baseLr * f(Math.pow(f(1 + f(s.gamma * it)), -s.power))),
  multistep: (s, it) => f(s.baseLr * Math.pow(s.gamma, multistepIndex(s.stepvalue, it))),
  poly: (s, it) => f(s.baseLr * f(Math.pow(f(1 - f(it / s.maxIter)), s.power))),
  sigmoid: (s, it) => f(s.baseLr * f(1 / f(1 + f(Math.exp(f(-s.gamma * f(it - s.stepsize))))))),
};

/** Caffe advances multistep one stepvalue at a time while it >= the next one: the leading run of stepvalues <= it. */
function multistepIndex(stepvalues: number[], it: number): number {
  let k = 0;
  while (k < stepvalues.length && it >= stepvalues[k]!) k++;
  return k;
}

/** The learning rate at iteration `it` (before any lr_mult). */
export function learningRate(settings: SolverSettings, it: number): number {
  return LR_POLICIES[settings.lrPolicy]!(settings, it);
}
