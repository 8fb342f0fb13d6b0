/**
 * Solver settings read from a plain SolverParameter with Caffe's defaults
 * applied, and checked the way Caffe's solver constructors and
 * GetLearningRate check them. Bad values raise SolverError quoting the value.
 */
import type { PlainMessage, PlainValue } from "../../schema/types.js";

export class SolverError extends Error {
  override name = "SolverError";
}

export type SolverType = "SGD" | "Nesterov" | "AdaGrad" | "RMSProp" | "AdaDelta" | "Adam";

export interface SolverSettings {
  type: SolverType;
  baseLr: number;
  lrPolicy: string;
  gamma: number;
  power: number;
  stepsize: number;
  stepvalue: number[];
  maxIter: number;
  momentum: number;
  momentum2: number;
  delta: number;
  rmsDecay: number;
  weightDecay: number;
  regularizationType: "L1" | "L2";
  /** Negative: no clipping. */
  clipGradients: number;
  iterSize: number;
  /** Window of the displayed (smoothed) loss. */
  averageLoss: number;
}

const SOLVER_TYPES: SolverType[] = ["SGD", "Nesterov", "AdaGrad", "RMSProp", "AdaDelta", "Adam"];

/** The deprecated solver_type enum names, as Caffe's UpgradeSolverType maps them. */
const LEGACY_SOLVER_TYPES: Record<string, SolverType> = {
  SGD: "SGD", NESTEROV: "Nesterov", ADAGRAD: "AdaGrad", RMSPROP: "RMSProp", ADADELTA: "AdaDelta", ADAM: "Adam",
};

/** A float32 setting as the user wrote it: the shortest decimal that rounds to the same float32. */
export function floatText(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  for (let digits = 1; digits <= 9; digits++) {
    const text = x.toPrecision(digits);
    if (Math.fround(Number(text)) === x) return String(Number(text));
  }
  return String(x);
}

function num(message: PlainMessage, field: string, fallback: number): number {
  const v = message[field];
  if (v === undefined) return fallback;
  return Number(v as PlainValue);
}

function solverType(param: PlainMessage): SolverType {
  // An explicit `type` wins (Caffe's registry names, case-sensitive); otherwise the deprecated enum.
  if (param.type !== undefined) {
    const raw = String(param.type);
    const type = SOLVER_TYPES.find((t) => t === raw);
    if (type) return type;
    const near = SOLVER_TYPES.find((t) => t.toLowerCase() === raw.toLowerCase());
    throw new SolverError(`unknown solver type "${raw}"${near ? ` (did you mean "${near}"?)` : ` (expected one of ${SOLVER_TYPES.join(", ")})`}`);
  }
  if (param.solver_type === undefined) return "SGD";
  const legacy = LEGACY_SOLVER_TYPES[String(param.solver_type)];
  if (!legacy) throw new SolverError(`unknown solver_type ${String(param.solver_type)}`);
  return legacy;
}

const POLICIES_NEEDING_GAMMA = new Set(["step", "exp", "inv", "multistep", "sigmoid"]);

/** Read and check a SolverParameter message (fields absent = Caffe's defaults). */
export function readSolverSettings(param: PlainMessage): SolverSettings {
  const type = solverType(param);
  const stepvalueRaw = param.stepvalue;
  const settings: SolverSettings = {
    type,
    baseLr: Math.fround(num(param, "base_lr", 0)),
    lrPolicy: param.lr_policy === undefined ? "" : String(param.lr_policy),
    gamma: Math.fround(num(param, "gamma", 0)),
    power: Math.fround(num(param, "power", 0)),
    stepsize: num(param, "stepsize", 0),
    stepvalue: stepvalueRaw === undefined ? [] : (Array.isArray(stepvalueRaw) ? stepvalueRaw : [stepvalueRaw]).map(Number),
    maxIter: num(param, "max_iter", 0),
    momentum: Math.fround(num(param, "momentum", 0)),
    momentum2: Math.fround(num(param, "momentum2", 0.999)),
    delta: Math.fround(num(param, "delta", 1e-8)),
    rmsDecay: Math.fround(num(param, "rms_decay", 0.99)),
    weightDecay: Math.fround(num(param, "weight_decay", 0)),
    regularizationType: "L2",
    clipGradients: Math.fround(num(param, "clip_gradients", -1)),
    iterSize: num(param, "iter_size", 1),
    averageLoss: num(param, "average_loss", 1),
  };
  const reg = param.regularization_type === undefined ? "L2" : String(param.regularization_type);
  if (reg !== "L1" && reg !== "L2") throw new SolverError(`unknown regularization_type "${reg}" (expected L1 or L2)`);
  settings.regularizationType = reg;
  checkSettings(settings);
  return settings;
}

function checkSettings(s: SolverSettings): void {
  const known = ["fixed", "step", "exp", "inv", "multistep", "poly", "sigmoid"];
  if (!known.includes(s.lrPolicy)) {
    throw new SolverError(s.lrPolicy === "" ? "lr_policy is not set (expected one of " + known.join(", ") + ")" : `unknown lr_policy "${s.lrPolicy}" (expected one of ${known.join(", ")})`);
  }
  if (!Number.isFinite(s.baseLr)) throw new SolverError(`base_lr must be a finite number (got ${floatText(s.baseLr)})`);
  if (POLICIES_NEEDING_GAMMA.has(s.lrPolicy) && !(s.gamma >= 0)) throw new SolverError(`lr_policy "${s.lrPolicy}" needs gamma >= 0 (got gamma: ${floatText(s.gamma)})`);
  if ((s.lrPolicy === "step" || s.lrPolicy === "sigmoid") && !(s.stepsize > 0)) {
    throw new SolverError(`lr_policy "${s.lrPolicy}" needs stepsize > 0 (got stepsize: ${floatText(s.stepsize)})`);
  }
  if (s.lrPolicy === "poly" && !(s.maxIter > 0)) throw new SolverError(`lr_policy "poly" needs max_iter > 0 (got max_iter: ${floatText(s.maxIter)})`);
  if (!Number.isInteger(s.iterSize) || s.iterSize < 1) throw new SolverError(`iter_size must be a positive integer (got iter_size: ${floatText(s.iterSize)})`);
  if (!Number.isInteger(s.averageLoss) || s.averageLoss < 1) throw new SolverError(`average_loss must be a positive integer (got average_loss: ${floatText(s.averageLoss)})`);
  if ((s.type === "AdaGrad" || s.type === "RMSProp") && s.momentum !== 0) {
    throw new SolverError(`momentum cannot be used with ${s.type} (got momentum: ${floatText(s.momentum)}; remove it)`);
  }
  if (s.type === "RMSProp" && !(s.rmsDecay >= 0 && s.rmsDecay <= 1)) throw new SolverError(`rms_decay must lie in [0, 1] (got rms_decay: ${floatText(s.rmsDecay)})`);
}
