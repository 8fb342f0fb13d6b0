/**
 * The dataset stage of linting: find the datasets the data layers name (LMDB
 * databases, ImageData/WindowData lists, mean files), read them the way Caffe
 * would (read only, bounded sample), and hand the facts to the model (shapes)
 * and to the rules. Nothing here writes.
 */
import path from "node:path";
import { scanDataset } from "../load/dataset-stats.js";
import { resolveReference } from "../load/files.js";
import { scanImageList } from "../load/image-list.js";
import { LmdbError } from "../load/lmdb/index.js";
import { readMeanFile } from "../load/mean-file.js";
import { str, sub } from "../model/access.js";
import type { DatasetFacts, DatasetInfo, NetModel } from "../model/types.js";

export type { DatasetInfo };

export interface DatasetOptions {
  cwd?: string;
  root?: string;
  /** Records read per dataset at most (a prefix in key order). */
  maxRecords?: number;
  /** Called while a large dataset is read: its source, records read, records to read. */
  onProgress?: (source: string, scanned: number, total: number) => void;
}

const PARAM_FIELD: Record<string, string> = { Data: "data_param", ImageData: "image_data_param", WindowData: "window_data_param" };

/** Inspects every dataset the model's data layers name, once per layer. */
export function inspectDatasets(model: NetModel, options: DatasetOptions = {}): DatasetInfo[] {
  const byIndex = new Map<number, DatasetInfo>();
  for (const phase of ["TRAIN", "TEST"] as const) {
    for (const layer of model.phases[phase]?.layers ?? []) {
      const field = PARAM_FIELD[layer.type];
      if (!field) continue;
      const seen = byIndex.get(layer.index);
      if (seen) {
        seen.phases.push(phase);
        continue;
      }
      const p = sub(layer.param, field);
      const source = str(p, "source");
      if (source === undefined) continue;
      const backend = layer.type === "Data" ? str(p, "backend", "LEVELDB") : "list";
      const resolved = resolveReference(source, model.file, { ...(options.cwd ? { cwd: options.cwd } : {}), ...(options.root ? { root: options.root } : {}) });
      const info: DatasetInfo = { layerIndex: layer.index, layer: layer.name, type: layer.type, phases: [phase], source, backend, tried: resolved.tried, ...(resolved.path ? { resolved: resolved.path } : {}) };
      if (resolved.path) readDataset(info, resolved.path, options, str(p, "root_folder"));
      const meanSource = str(sub(layer.param, "transform_param"), "mean_file") ?? str(p, "mean_file");
      if (meanSource !== undefined) info.meanFile = readMean(meanSource, model.file, options);
      byIndex.set(layer.index, info);
    }
  }
  return [...byIndex.values()];
}

function readDataset(info: DatasetInfo, file: string, options: DatasetOptions, rootFolder: string | undefined): void {
  try {
    if (info.type === "Data") {
      // LEVELDB is Caffe's default backend; bnlint reads only LMDB, and says so rather than guessing.
      if (info.backend !== "LMDB") {
        info.error = { code: "unsupported-backend", message: `the ${info.backend} backend is not read by bnlint (only LMDB)` };
        return;
      }
      info.stats = scanDataset(file, {
        ...(options.maxRecords ? { maxRecords: options.maxRecords } : {}),
        ...(options.onProgress ? { onProgress: (scanned: number, total: number) => options.onProgress!(info.source, scanned, total) } : {}),
      });
    } else {
      info.list = scanImageList(file, { baseDir: options.cwd ?? process.cwd(), ...(rootFolder ? { rootFolder } : {}), maxFileChecks: 1000 });
    }
  } catch (err) {
    info.error = { code: err instanceof LmdbError ? err.code : "unreadable", message: err instanceof Error ? err.message : String(err) };
  }
}

function readMean(source: string, netFile: string, options: DatasetOptions): DatasetInfo["meanFile"] {
  const resolved = resolveReference(source, netFile, { ...(options.cwd ? { cwd: options.cwd } : {}), ...(options.root ? { root: options.root } : {}) });
  if (!resolved.path) return { source };
  try {
    return { source, resolved: resolved.path, shape: readMeanFile(resolved.path).shape };
  } catch (err) {
    return { source, resolved: resolved.path, error: err instanceof Error ? err.message : String(err) };
  }
}

/** Shapes the model can use, keyed by data layer index. */
export function datasetFacts(datasets: readonly DatasetInfo[]): Map<number, DatasetFacts> {
  const facts = new Map<number, DatasetFacts>();
  for (const d of datasets) {
    const chw = d.stats?.shape.chw;
    if (chw) facts.set(d.layerIndex, { shape: chw, count: d.stats!.count });
  }
  return facts;
}

/** Training samples, from the TRAIN data layers' datasets. */
export function trainingSamples(datasets: readonly DatasetInfo[]): number | undefined {
  const counts = datasets.filter((d) => d.phases.includes("TRAIN")).map((d) => d.stats?.count ?? d.list?.entries);
  return counts.every((c) => c !== undefined) && counts.length > 0 ? counts.reduce((a, b) => a! + b!, 0) : undefined;
}

/** The report's `datasets` entries: plain data (see schema/report.schema.json, definitions.dataset). */
export function datasetReport(datasets: readonly DatasetInfo[], cwd: string): Record<string, unknown>[] {
  return datasets.map((d) => {
    const labels = d.stats?.labels ?? d.list?.labels;
    const order = d.stats?.labelOrder ?? d.list?.labelOrder;
    return {
      source: d.resolved ? path.relative(cwd, d.resolved) || d.resolved : d.source,
      layer: d.layer,
      phase: d.phases.join("+"),
      backend: d.backend,
      found: d.resolved !== undefined,
      ...(d.error ? { error: d.error.message } : {}),
      ...(d.stats
        ? { count: d.stats.count, scanned: d.stats.scanned, sampled: d.stats.scanned < d.stats.count, shape: d.stats.shape.chw ?? [], storage: d.stats.storage.kind, pixels: d.stats.pixels }
        : {}),
      ...(d.list ? { count: d.list.entries, missingFiles: d.list.missing } : {}),
      ...(labels ? { labels } : {}),
      ...(order ? { labelOrder: order } : {}),
      ...(d.meanFile ? { meanFile: d.meanFile } : {}),
    };
  });
}
