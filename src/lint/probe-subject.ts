/**
 * Building the probe's subject from a lint outcome: the TRAIN net, the
 * solver, record sources for the data layers (our LMDB reader), mean files,
 * pretrained weights, and a way to rebuild everything after applying fixes
 * to the files' text (so a fix run trains exactly what the fix would write).
 */
import fs from "node:fs";
import path from "node:path";
import { decodeCaffemodel } from "../engine/weights.js";
import type { DatumLike, RecordSource } from "../engine/types.js";
import type { Finding, TextEdit } from "../findings.js";
import { decodeDatum } from "../load/datum.js";
import { resolveReference } from "../load/files.js";
import { openLmdb } from "../load/lmdb/index.js";
import { readMeanFile } from "../load/mean-file.js";
import { str, sub } from "../model/access.js";
import { SYMPTOMS, type ProbeSubject } from "../probe/probe.js";
import type { PlanContext } from "../probe/inputs.js";
import { applyEdits } from "./apply-edits.js";
import { lintText, type LintOptions, type LintOutcome } from "./lint.js";

/** Endless records of an LMDB in key order, wrapping at the end like Caffe's Data layer. */
function lmdbRecords(envPath: string): RecordSource {
  const env = openLmdb(envPath);
  if (env.count === 0) throw new Error(`${envPath}: the LMDB is empty`);
  let it = env.entries();
  return {
    next(): DatumLike {
      let r = it.next();
      if (r.done) {
        it = env.entries();
        r = it.next();
      }
      return decodeDatum(r.value!.value.slice());
    },
  };
}

export interface SubjectResult {
  subject?: ProbeSubject;
  /** Why the probe cannot run, when it cannot. */
  reason?: string;
}

/** Builds the probe subject for a linted net or solver. */
export function probeSubject(outcome: LintOutcome, options: LintOptions): SubjectResult {
  const model = outcome.net;
  const train = model?.phases.TRAIN;
  if (!model || !train) return { reason: "no TRAIN phase to run (a deploy or test-only net)" };
  const cwd = options.cwd ?? process.cwd();
  const resolve = (ref: string) => resolveReference(ref, model.file, { cwd, ...(options.root ? { root: options.root } : {}) });

  // The dataset stage has already found and opened the LMDBs; the probe reads the same ones.
  // A dataset that is absent or unreadable is replaced by synthetic records of the shape the net implies.
  const sources = new Map<string, { path: string; record: [number, number, number]; description: string }>();
  const dataNotes: string[] = [];
  for (const layer of train.layers) {
    if (layer.type !== "Data" && layer.type !== "ImageData" && layer.type !== "WindowData") continue;
    const d = outcome.datasets.find((x) => x.layerIndex === layer.index);
    const chw = d?.stats?.shape.chw;
    if (layer.type === "Data" && d?.resolved && !d.error && d.stats && d.stats.count > 0 && chw && d.stats.shape.consistent && d.backend === "LMDB") {
      sources.set(layer.name, { path: d.resolved, record: chw, description: `${d.source} (LMDB, ${d.stats.count} records)` });
      continue;
    }
    const what = d?.source ?? str(sub(layer.param, "data_param"), "source", `the dataset of '${layer.name}'`);
    if (options.datasets === false) dataNotes.push(`${layer.name}: datasets not read (--no-data): synthetic data`);
    else if (!d?.resolved) dataNotes.push(`${what} not found: synthetic data`);
    else if (layer.type === "Data") dataNotes.push(`${what} cannot be read${d.error ? ` (${d.error.message})` : ""}: synthetic data`);
  }
  const givenShapes = new Map<string, number[]>(Object.entries(options.inputShapes ?? {}));
  const inputs: PlanContext = {
    givenShapes,
    lmdb: (node) => sources.get(node.name),
    meanShape: (file) => {
      const found = resolve(file).path;
      if (!found) return undefined;
      try {
        return readMeanFile(found).shape;
      } catch {
        return undefined;
      }
    },
  };

  let initial: Map<string, Float32Array[]> | undefined;
  if (options.weights) {
    const file = path.resolve(cwd, options.weights);
    try {
      initial = new Map(decodeCaffemodel(fs.readFileSync(file)).map((l) => [l.name, l.blobs.map((b) => b.data)]));
    } catch (err) {
      return { reason: `cannot read the weights ${options.weights}: ${(err as Error).message}` };
    }
  }

  const rebuild = (edits: TextEdit[]) => {
    const files = new Map<string, string>();
    for (const file of outcome.files) {
      const text = fs.readFileSync(file, "utf8");
      const mine = edits.filter((e) => e.file === file);
      files.set(file, mine.length ? applyEdits(text, mine) : text);
    }
    const main = outcome.files[0]!;
    const fixed = lintText(files.get(main)!, main, {
      ...options,
      rules: [],
      files: { read: (f) => files.get(path.resolve(cwd, f)) ?? (fs.existsSync(f) ? fs.readFileSync(f, "utf8") : undefined), exists: (f) => files.has(path.resolve(cwd, f)) || fs.existsSync(f) },
    });
    const fixedTrain = fixed.net?.phases.TRAIN;
    if (!fixedTrain || !fixed.net) return undefined;
    return { train: fixedTrain, net: fixed.net.net, ...(fixed.solver ? { solver: fixed.solver.solver } : {}) };
  };

  const subject: ProbeSubject = {
    train,
    net: model.net,
    ...(outcome.solver ? { solver: outcome.solver.solver } : {}),
    records: (layer) => {
      const found = sources.get(str(layer, "name", ""));
      return found ? lmdbRecords(found.path) : undefined;
    },
    meanImage: (p) => {
      const found = resolve(p).path;
      return found ? readMeanFile(found) : undefined;
    },
    inputs,
    dataNotes,
    ...(initial ? { initial } : {}),
    rebuild,
  };
  return { subject };
}

/** Findings whose rules point at divergence; their presence makes the probe run by default. */
export function divergenceFindings(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.ruleId in SYMPTOMS && f.severity !== "info");
}
