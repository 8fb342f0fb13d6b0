/**
 * Synthetic values for the inputs the probe feeds: image-like integer pixels
 * 0..255, labels uniform over the classifier's classes, 0/1 targets, or floats
 * in [0, 1). One batch is drawn and then repeated every iteration (records
 * still go through the layer's random crop and mirror): random labels of
 * ever-new random images could never be learnt, but a net that trains drives
 * the loss of one repeated batch down within a few dozen iterations, and a
 * broken one does not. Drawn from their own seeded generator, so every run of
 * one probe (as written, lr = 0, each fix) sees the same batch.
 */
import { seededRandom } from "../engine/rng.js";
import type { Blob, DatumLike, LayerParameter, RecordSource } from "../engine/types.js";
import type { FeedKind, InputPlan } from "./inputs.js";

/** Offset of the data generator's seed from the run's (the weights use the run's own). */
const DATA_SEED_OFFSET = 7919;

export function fillValues(data: Float32Array, kind: FeedKind, classes: number | undefined, random: () => number): void {
  switch (kind) {
    case "image":
      for (let i = 0; i < data.length; i++) data[i] = Math.floor(random() * 256);
      return;
    case "label": {
      const n = Math.max(1, classes ?? 1);
      for (let i = 0; i < data.length; i++) data[i] = Math.floor(random() * n);
      return;
    }
    case "binary":
      for (let i = 0; i < data.length; i++) data[i] = random() < 0.5 ? 0 : 1;
      return;
    default:
      for (let i = 0; i < data.length; i++) data[i] = random();
  }
}

/** The engine's `inputValues` hook for a plan: fills each fill-mode top with the same batch on every forward pass. */
export function inputFeeder(plan: InputPlan, seed: number): (layer: LayerParameter, topIndex: number, top: Blob) => void {
  const random = seededRandom(seed + DATA_SEED_OFFSET);
  const byLayer = new Map(plan.sources.filter((s) => s.mode === "fill").map((s) => [s.layer, s]));
  const drawn = new Map<string, Float32Array>();
  return (layer, topIndex, top) => {
    const name = String(layer["name"] ?? "");
    const feed = byLayer.get(name)?.tops[topIndex];
    if (!feed) return;
    const key = `${name}#${topIndex}`;
    let values = drawn.get(key);
    if (!values || values.length !== top.data.length) {
      values = new Float32Array(top.data.length);
      fillValues(values, feed.kind, feed.classes, random);
      drawn.set(key, values);
    }
    top.data.set(values);
  };
}

/** `count` synthetic byte records of [channels, height, width], cycled endlessly (a one-batch dataset). */
export function syntheticRecords(record: readonly [number, number, number], classes: number | undefined, count: number, seed: number): RecordSource {
  const random = seededRandom(seed + DATA_SEED_OFFSET);
  const [channels, height, width] = record;
  const pool: DatumLike[] = [];
  for (let i = 0; i < Math.max(1, count); i++) {
    const data = new Uint8Array(channels * height * width);
    for (let k = 0; k < data.length; k++) data[k] = Math.floor(random() * 256);
    pool.push({ channels, height, width, data, label: Math.floor(random() * Math.max(1, classes ?? 1)) });
  }
  let next = 0;
  return {
    next() {
      const d = pool[next]!;
      next = (next + 1) % pool.length;
      return d;
    },
  };
}
