/**
 * Reading layer parameters. Messages arrive with unset fields absent, so every
 * reader takes the .proto default. 64-bit integers arrive as decimal strings.
 * Errors are LayerSetupError, naming the layer and the offending setting.
 */
import type { PlainMessage, PlainValue } from "../../schema/types.js";
import type { Blob, LayerParameter } from "../types.js";
import { canonicalAxis, shapeText } from "../blob.js";

/** A layer's parameters or input shapes that Caffe would refuse at SetUp. */
export class LayerSetupError extends Error {
  override name = "LayerSetupError";
  constructor(readonly layer: string, readonly type: string, detail: string) {
    super(`layer "${layer}" (${type}): ${detail}`);
  }
}

/** Throws a LayerSetupError for `param` unless `ok`. */
export function check(param: LayerParameter, ok: boolean, detail: string): asserts ok {
  if (!ok) throw new LayerSetupError(layerName(param), String(param["type"] ?? "?"), detail);
}

/** Throws a LayerSetupError for `param` (for hot paths: build the message only on failure). */
export function fail(param: LayerParameter, detail: string): never {
  throw new LayerSetupError(layerName(param), String(param["type"] ?? "?"), detail);
}

export function layerName(param: LayerParameter): string {
  return typeof param["name"] === "string" ? param["name"] : "(unnamed)";
}

/** The nested message `field` of `msg`, or an empty one (all defaults). */
export function sub(msg: PlainMessage | undefined, field: string): PlainMessage {
  const v = msg?.[field];
  return v !== undefined && typeof v === "object" && !Array.isArray(v) && !(v instanceof Uint8Array) ? (v as PlainMessage) : {};
}

/** The nested message `field` of `msg`, or undefined when absent. */
export function optionalSub(msg: PlainMessage | undefined, field: string): PlainMessage | undefined {
  return msg !== undefined && msg[field] !== undefined ? sub(msg, field) : undefined;
}

function asNumber(v: PlainValue | undefined): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v))) return Number(v);
  if (typeof v === "boolean") return v ? 1 : 0;
  return undefined;
}

/** A numeric field (also int64 strings), or `fallback` when absent. */
export function num(msg: PlainMessage | undefined, field: string, fallback: number): number {
  const v = msg?.[field];
  return asNumber(Array.isArray(v) ? v[v.length - 1] : v) ?? fallback;
}

/** Whether a field is present. */
export function has(msg: PlainMessage | undefined, field: string): boolean {
  return msg !== undefined && msg[field] !== undefined;
}

export function bool(msg: PlainMessage | undefined, field: string, fallback: boolean): boolean {
  const v = msg?.[field];
  return typeof v === "boolean" ? v : fallback;
}

/** An enum (by name) or string field. */
export function str(msg: PlainMessage | undefined, field: string, fallback: string): string {
  const v = msg?.[field];
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : fallback;
}

/** A repeated numeric field as an array (a singular value becomes a one-element array). */
export function nums(msg: PlainMessage | undefined, field: string): number[] {
  const v = msg?.[field];
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  const out: number[] = [];
  for (const x of list) {
    const n = asNumber(x);
    if (n !== undefined) out.push(n);
  }
  return out;
}

/** A repeated message field as an array. */
export function subs(msg: PlainMessage | undefined, field: string): PlainMessage[] {
  const v = msg?.[field];
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.filter((x): x is PlainMessage => typeof x === "object" && !(x instanceof Uint8Array));
}

/** The dims of a BlobShape message. */
export function blobShapeDims(shape: PlainMessage): number[] {
  return nums(shape, "dim");
}

/** Canonical axis of `bottom` for the layer, or a LayerSetupError. */
export function axisOf(param: LayerParameter, axis: number, bottom: Blob, what = "axis"): number {
  const a = canonicalAxis(axis, bottom.shape.length);
  check(param, a >= 0, `${what} ${axis} is out of range for a bottom of shape ${shapeText(bottom.shape)}`);
  return a;
}

/** The `propagateDown` flag for bottom i (absent means true). */
export function wants(propagateDown: boolean[], i: number): boolean {
  return propagateDown[i] !== false;
}
