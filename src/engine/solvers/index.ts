/** Caffe's solvers: settings, learning-rate policies and the update step. */
export { readSolverSettings, SolverError } from "./settings.js";
export type { SolverSettings, SolverType } from "./settings.js";
export { learningRate, LR_POLICIES } from "./lr-policy.js";
export { createSolver, applyUpdate, gradientL2, adamCorrection } from "./update.js";
export type { SolverState, UpdateInfo } from "./update.js";
