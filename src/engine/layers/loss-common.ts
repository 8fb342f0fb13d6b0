/**
 * LossParameter handling shared by the loss layers: ignore_label and the
 * normalization mode (FULL, VALID, BATCH_SIZE, NONE), with the legacy
 * `normalize` flag (true = VALID, false = BATCH_SIZE) used when
 * `normalization` is unset.
 */
import type { LayerParameter } from "../types.js";
import { bool, check, has, num, str, sub } from "./params.js";

export type Normalization = "FULL" | "VALID" | "BATCH_SIZE" | "NONE";

export interface LossSettings {
  ignoreLabel?: number;
  normalization: Normalization;
}

export function readLossSettings(param: LayerParameter, fallback: Normalization): LossSettings {
  const lp = sub(param, "loss_param");
  let normalization: string = fallback;
  if (has(lp, "normalization")) normalization = str(lp, "normalization", fallback);
  else if (has(lp, "normalize")) normalization = bool(lp, "normalize", true) ? "VALID" : "BATCH_SIZE";
  check(param, ["FULL", "VALID", "BATCH_SIZE", "NONE"].includes(normalization), `unknown normalization ${normalization}`);
  return {
    ignoreLabel: has(lp, "ignore_label") ? num(lp, "ignore_label", 0) : undefined,
    normalization: normalization as Normalization,
  };
}

/** Caffe's get_normalizer: the divisor of the summed loss, at least 1. validCount < 0 means "not counted". */
export function normalizer(mode: Normalization, outer: number, inner: number, validCount: number): number {
  let n: number;
  switch (mode) {
    case "FULL": n = outer * inner; break;
    case "VALID": n = validCount < 0 ? outer * inner : validCount; break;
    case "BATCH_SIZE": n = outer; break;
    case "NONE": n = 1; break;
  }
  return Math.max(1, n);
}
