/**
 * Running one case of the real-Caffe reference pack with the engine: parse and
 * bind its train_val.prototxt and solver.prototxt, keep the TRAIN layers, feed
 * its LMDB records in key order, load init.caffemodel, train, and record the
 * statistics reference.json holds (same definitions: float64 mean |x|, sum,
 * max |x|, NaN/Inf counts and the values at flat indices floor(k*(n-1)/7)).
 */
import fs from "node:fs";
import path from "node:path";
import { parseTextFormat } from "../../src/prototxt/index.js";
import { bindMessage, loadSchema } from "../../src/schema/index.js";
import type { PlainMessage, Schema } from "../../src/schema/index.js";
import { layerIsIncluded } from "../../src/model/state.js";
import { openLmdb } from "../../src/load/lmdb/index.js";
import { decodeDatum } from "../../src/load/datum.js";
import type { Blob, DatumLike, LayerContext, LayerDefinition, MeanImage } from "../../src/engine/types.js";
import { buildNet, forward } from "../../src/engine/net.js";
import type { Net } from "../../src/engine/net.js";
import { loadCaffemodel, decodeBlobProto } from "../../src/engine/weights.js";
import { readSolverSettings, createSolver } from "../../src/engine/solvers/index.js";
import type { SolverSettings } from "../../src/engine/solvers/index.js";
import { trainSteps } from "../../src/engine/train.js";
import type { IterationResult } from "../../src/engine/train.js";
import { blobStats } from "../../src/engine/stats.js";
import { seededRandom } from "../../src/engine/rng.js";

/** Statistics of one array as reference.json writes them. */
export interface ArrayStats {
  mean_abs: number;
  sum: number;
  max_abs: number;
  nan: number;
  inf: number;
  probe: number[];
}

export interface BlobSnapshot {
  shape: number[];
  data: ArrayStats;
  diff: ArrayStats;
}

/** What the engine saw at the reference's reading points A (before update) and B (after). */
export interface IterationDetail {
  blobs: Record<string, BlobSnapshot>;
  paramsBefore: Record<string, BlobSnapshot[]>;
  paramsAfter: Record<string, BlobSnapshot[]>;
  /** BatchNorm statistics (mean, variance, factor) after the iteration. */
  bn: Record<string, { mean: number[]; variance: number[]; factor: number[] }>;
}

export interface CaseRun {
  net: Net;
  settings: SolverSettings;
  results: IterationResult[];
  details: Map<number, IterationDetail>;
  /** For iterations with a non-finite loss: the first blob (net order) with non-finite data, and with non-finite data or diff. */
  nonFiniteOrigin: Map<number, { data?: string; dataOrDiff?: string; blobs: string[]; params: string[] }>;
  /** Per iteration, after the update: mean |data| of each layer's param blobs. */
  paramsMeanAbs: Record<string, number[]>[];
  /** data_sum and label_sum per iteration (last sub-pass). */
  sums: { data: number; label: number }[];
  /** BatchNorm statistics right after loading init.caffemodel. */
  bnInit: IterationDetail["bn"];
  /** Every layer's param values after the last update (before the final forward pass, which moves BatchNorm statistics). */
  finalParams: Map<string, Float32Array[]>;
  /** Loss of one more forward-only pass after the last update (Solver::Solve's final pass), when asked for; else NaN. */
  finalForwardLoss: number;
  /** Milliseconds spent training. */
  trainMs: number;
}

let schemaCache: Schema | undefined;
function schema(): Schema {
  schemaCache ??= loadSchema();
  return schemaCache;
}

/** Parse a prototxt file into a plain message of `typeName`; throws on error diagnostics. */
export function readPrototxt(file: string, typeName: string): PlainMessage {
  const doc = parseTextFormat(fs.readFileSync(file, "utf8"));
  const { message, diagnostics } = bindMessage(doc, typeName, schema());
  const errors = diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) throw new Error(`${file}:${errors[0]!.line}:${errors[0]!.column}: ${errors[0]!.message}`);
  return message;
}

export function arrayStats(arr: Float32Array): ArrayStats {
  const s = blobStats(arr);
  const n = arr.length;
  const probe: number[] = [];
  let last = -1;
  for (let k = 0; k < 8 && n > 0; k++) {
    const index = Math.floor((k * (n - 1)) / 7);
    if (index === last) continue;
    probe.push(arr[index]!);
    last = index;
  }
  return { mean_abs: s.meanAbs, sum: s.sum, max_abs: s.maxAbs, nan: s.nan, inf: s.inf, probe };
}

function snapshot(blob: Blob): BlobSnapshot {
  return { shape: [...blob.shape], data: arrayStats(blob.data), diff: arrayStats(blob.diff) };
}

function hasNonFinite(arr: Float32Array): boolean {
  for (let i = 0; i < arr.length; i++) if (!Number.isFinite(arr[i]!)) return true;
  return false;
}

function recordsOf(dir: string): DatumLike[] {
  const env = openLmdb(dir);
  const records: DatumLike[] = [];
  // Entries are views into reused read buffers: copy each value before keeping what decodes from it.
  for (const entry of env.entries()) records.push(decodeDatum(entry.value.slice()));
  return records;
}

/** The TRAIN-phase net of a case, its solver settings, and a context reading the case's data. */
export function loadCase(caseDir: string): { netParam: PlainMessage; solverParam: PlainMessage; ctx: LayerContext } {
  const full = readPrototxt(path.join(caseDir, "train_val.prototxt"), "caffe.NetParameter");
  const state = { phase: "TRAIN" as const, level: 0, stages: [] };
  const layers = ((full.layer as PlainMessage[] | undefined) ?? []).filter((l) => layerIsIncluded(l, state));
  const netParam: PlainMessage = { ...full, layer: layers };
  const solverParam = readPrototxt(path.join(caseDir, "solver.prototxt"), "caffe.SolverParameter");
  const ctx: LayerContext = {
    phase: "TRAIN",
    random: seededRandom(1701),
    recordSource(layer) {
      const source = String((layer.data_param as PlainMessage | undefined)?.source ?? "");
      const records = recordsOf(path.resolve(caseDir, source));
      let cursor = 0;
      return {
        next() {
          const record = records[cursor]!;
          cursor = (cursor + 1) % records.length;
          return record;
        },
      };
    },
    meanImage(file): MeanImage {
      const blob = decodeBlobProto(fs.readFileSync(path.resolve(caseDir, file)));
      const shape = blob.shape.length === 4 && blob.shape[0] === 1 ? blob.shape.slice(1) : blob.shape;
      return { shape, data: blob.data };
    },
  };
  return { netParam, solverParam, ctx };
}

const BN_FIELDS = ["mean", "variance", "factor"] as const;

/**
 * Train a case for `iterations` (stopping after the first non-finite loss),
 * capturing full detail at the iterations in `detailAt`.
 */
export function runCase(caseDir: string, registry: Record<string, LayerDefinition>, iterations: number, detailAt: Set<number>, finalForward = false): CaseRun {
  const { netParam, solverParam, ctx } = loadCase(caseDir);
  const net = buildNet(netParam, ctx, registry);
  loadCaffemodel(fs.readFileSync(path.join(caseDir, "init.caffemodel")), net);
  const bnStats = (): IterationDetail["bn"] =>
    Object.fromEntries(net.layers.filter((l) => l.type === "BatchNorm").map((l) => [l.name, Object.fromEntries(BN_FIELDS.map((f, i) => [f, Array.from(l.instance.params[i]!.data)])) as IterationDetail["bn"][string]]));
  const bnInit = bnStats();
  const settings = readSolverSettings(solverParam);
  const solver = createSolver(settings, net);
  const details = new Map<number, IterationDetail>();
  const nonFiniteOrigin = new Map<number, { data?: string; dataOrDiff?: string; blobs: string[]; params: string[] }>();
  const sums: { data: number; label: number }[] = [];
  const paramsMeanAbs: Record<string, number[]>[] = [];
  const paramsOf = () => Object.fromEntries(net.layers.filter((l) => l.instance.params.length > 0).map((l) => [l.name, l.instance.params.map(snapshot)]));
  const started = performance.now();
  const results = trainSteps(net, solver, {
    iterations,
    stopOnNonFinite: true,
    beforeUpdate(iter, loss) {
      const data = net.blobByName.get("data");
      const label = net.blobByName.get("label");
      sums.push({ data: data ? blobStats(data.data).sum : NaN, label: label ? blobStats(label.data).sum : NaN });
      if (!Number.isFinite(loss)) {
        const origin: { data?: string; dataOrDiff?: string; blobs: string[]; params: string[] } = { blobs: [], params: [] };
        for (const layer of net.layers) {
          layer.instance.params.forEach((p, j) => {
            if (hasNonFinite(p.data) || hasNonFinite(p.diff)) origin.params.push(`${layer.name}#${j}`);
          });
        }
        for (const { name, blob } of net.blobs) {
          const badData = hasNonFinite(blob.data);
          if (badData && origin.data === undefined) origin.data = name;
          const bad = badData || hasNonFinite(blob.diff);
          if (bad && origin.dataOrDiff === undefined) origin.dataOrDiff = name;
          if (bad) origin.blobs.push(name);
        }
        nonFiniteOrigin.set(iter, origin);
      }
      if (!detailAt.has(iter)) return;
      const blobs = Object.fromEntries(net.blobs.map(({ name, blob }) => [name, snapshot(blob)]));
      details.set(iter, { blobs, paramsBefore: paramsOf(), paramsAfter: {}, bn: {} });
    },
    afterUpdate(result) {
      paramsMeanAbs.push(Object.fromEntries(net.layers.filter((l) => l.instance.params.length > 0).map((l) => [l.name, l.instance.params.map((p) => blobStats(p.data).meanAbs)])));
      const detail = details.get(result.iter);
      if (!detail) return;
      detail.paramsAfter = paramsOf();
      detail.bn = bnStats();
    },
  });
  const trainMs = performance.now() - started;
  const finalParams = new Map(net.layers.map((l) => [l.name, l.instance.params.map((p) => Float32Array.from(p.data))]));
  const finalForwardLoss = finalForward ? forward(net) : NaN;
  return { net, settings, results, details, nonFiniteOrigin, sums, paramsMeanAbs, bnInit, finalParams, finalForwardLoss, trainMs };
}
