/** Reading a SolverParameter the way Caffe's solvers do. */
import { num, str, strs } from "../src/model/access.js";
import type { PlainMessage } from "../src/schema/types.js";
import { shortestFloat32 } from "../src/schema/json.js";

/** The solver type, from `type` or the deprecated `solver_type` enum (SGD by default). */
export function solverType(solver: PlainMessage): string {
  const type = str(solver, "type");
  if (type) return type;
  const legacy = str(solver, "solver_type");
  const names: Record<string, string> = { SGD: "SGD", NESTEROV: "Nesterov", ADAGRAD: "AdaGrad", RMSPROP: "RMSProp", ADADELTA: "AdaDelta", ADAM: "Adam" };
  return legacy ? names[legacy] ?? legacy : "SGD";
}

export function momentum(solver: PlainMessage): number {
  return num(solver, "momentum", 0);
}

/** Whether the solver starts from pretrained weights (SolverParameter.weights, Caffe ≥ 1.0). */
export function solverWeights(solver: PlainMessage): string[] {
  return strs(solver, "weights");
}

/** A float field's value as the user wrote it (the shortest text that gives the same float32). */
export function f32(value: number): string {
  return String(shortestFloat32(value));
}
