/**
 * Small typed readers over plain messages (src/schema/types.ts). Messages keep
 * unset fields absent, so each read names the .proto default it falls back to.
 */
import type { PlainMessage, PlainValue } from "../schema/types.js";

export function sub(msg: PlainMessage | undefined, field: string): PlainMessage | undefined {
  const v = msg?.[field];
  return v !== undefined && !Array.isArray(v) && typeof v === "object" && !(v instanceof Uint8Array)
    ? (v as PlainMessage)
    : undefined;
}

export function subs(msg: PlainMessage | undefined, field: string): PlainMessage[] {
  const v = msg?.[field];
  return Array.isArray(v) ? (v as PlainMessage[]) : [];
}

export function num(msg: PlainMessage | undefined, field: string, fallback: number): number;
export function num(msg: PlainMessage | undefined, field: string): number | undefined;
export function num(msg: PlainMessage | undefined, field: string, fallback?: number): number | undefined {
  const v = msg?.[field];
  if (typeof v === "number") return v;
  if (typeof v === "string" && /^-?\d+$/.test(v)) return Number(v);
  return fallback;
}

export function nums(msg: PlainMessage | undefined, field: string): number[] {
  const v = msg?.[field];
  if (!Array.isArray(v)) return typeof v === "number" ? [v] : [];
  return (v as PlainValue[]).map((x) => (typeof x === "number" ? x : Number(x)));
}

export function str(msg: PlainMessage | undefined, field: string, fallback: string): string;
export function str(msg: PlainMessage | undefined, field: string): string | undefined;
export function str(msg: PlainMessage | undefined, field: string, fallback?: string): string | undefined {
  const v = msg?.[field];
  return typeof v === "string" ? v : fallback;
}

export function strs(msg: PlainMessage | undefined, field: string): string[] {
  const v = msg?.[field];
  if (!Array.isArray(v)) return typeof v === "string" ? [v] : [];
  return v.filter((x): x is string => typeof x === "string");
}

export function bool(msg: PlainMessage | undefined, field: string, fallback: boolean): boolean;
export function bool(msg: PlainMessage | undefined, field: string): boolean | undefined;
export function bool(msg: PlainMessage | undefined, field: string, fallback?: boolean): boolean | undefined {
  const v = msg?.[field];
  return typeof v === "boolean" ? v : fallback;
}

export function has(msg: PlainMessage | undefined, field: string): boolean {
  return msg !== undefined && msg[field] !== undefined;
}
