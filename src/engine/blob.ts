/**
 * Blob helpers: creation, reshaping and Caffe's count/axis arithmetic.
 * A blob owns a data and a diff array of exactly `count(shape)` floats;
 * reshaping to a different count replaces both arrays (contents are then zero),
 * reshaping to the same count keeps them.
 */
import type { Blob } from "./types.js";

/** Product of `shape[start..end)` (Caffe's Blob::count(start, end)); 1 for an empty range. */
export function countOf(shape: readonly number[], start = 0, end = shape.length): number {
  let n = 1;
  for (let i = start; i < end; i++) n *= shape[i]!;
  return n;
}

/** A zero-filled blob of the given shape. */
export function makeBlob(shape: readonly number[]): Blob {
  const n = countOf(shape);
  return { shape: [...shape], data: new Float32Array(n), diff: new Float32Array(n) };
}

/** Give `blob` a new shape; its arrays are reallocated only when the element count changes. */
export function reshapeBlob(blob: Blob, shape: readonly number[]): void {
  const n = countOf(shape);
  blob.shape = [...shape];
  if (blob.data.length !== n) {
    blob.data = new Float32Array(n);
    blob.diff = new Float32Array(n);
  }
}

/** Number of elements of a blob. */
export function blobCount(blob: Blob): number {
  return blob.data.length;
}

/**
 * Caffe's CanonicalAxisIndex: a negative axis counts from the end. Returns -1
 * when the axis is out of range, so callers can name the layer in their error.
 */
export function canonicalAxis(axis: number, numAxes: number): number {
  const a = axis < 0 ? axis + numAxes : axis;
  return a >= 0 && a < numAxes ? a : -1;
}

/** "2 x 3 x 4" for messages. */
export function shapeText(shape: readonly number[]): string {
  return shape.length === 0 ? "(scalar)" : shape.join(" x ");
}

/** Whether two shapes are equal axis by axis. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
