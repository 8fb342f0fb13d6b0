/**
 * Which layers Caffe keeps for a given NetState: the include/exclude rules of
 * Caffe's Net::FilterNet and Net::StateMeetsRule (src/caffe/net.cpp), and the
 * merging of the net's own `state` with a solver's train_state/test_state.
 */
import type { PlainMessage } from "../schema/types.js";
import { num, str, strs, sub, subs } from "./access.js";
import type { NetState, Phase } from "./types.js";

/** Caffe's StateMeetsRule: every condition the rule sets must hold in the state. */
export function stateMeetsRule(state: NetState, rule: PlainMessage): boolean {
  const phase = str(rule, "phase");
  if (phase !== undefined && phase !== state.phase) return false;
  const minLevel = num(rule, "min_level");
  if (minLevel !== undefined && state.level < minLevel) return false;
  const maxLevel = num(rule, "max_level");
  if (maxLevel !== undefined && state.level > maxLevel) return false;
  for (const stage of strs(rule, "stage")) if (!state.stages.includes(stage)) return false;
  for (const stage of strs(rule, "not_stage")) if (state.stages.includes(stage)) return false;
  return true;
}

/**
 * Whether a layer is part of the net in `state`. With include rules, a layer is
 * kept when any rule is met; with exclude rules, it is dropped when any is met.
 * Caffe refuses a layer with both; here the include rules win and the model
 * reports the conflict separately.
 */
export function layerIsIncluded(layer: PlainMessage, state: NetState): boolean {
  const include = subs(layer, "include");
  if (include.length > 0) return include.some((rule) => stateMeetsRule(state, rule));
  return !subs(layer, "exclude").some((rule) => stateMeetsRule(state, rule));
}

/**
 * The state a net runs in: the phase asked for, merged (protobuf MergeFrom:
 * scalars replace, stages append) with the net's own `state` and then with the
 * solver's train_state or test_state, as Solver::InitTrainNet/InitTestNets do.
 * The phase requested always wins (Caffe sets it explicitly for each net).
 */
export function mergeNetState(phase: Phase, ...states: (PlainMessage | undefined)[]): NetState {
  const merged: NetState = { phase, level: 0, stages: [] };
  for (const s of states) {
    if (!s) continue;
    const level = num(s, "level");
    if (level !== undefined) merged.level = level;
    merged.stages.push(...strs(s, "stage"));
  }
  return merged;
}

/** The net's own `state` message, if any. */
export function netOwnState(net: PlainMessage): PlainMessage | undefined {
  return sub(net, "state");
}
