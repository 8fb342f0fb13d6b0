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
import { num, str, sub } from "../model/access.js";
import { SYMPTOMS, type ProbeSubject } from "../probe/probe.js";
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
  const sources = new Map<string, string>();
  const notes: string[] = [];
  for (const layer of train.layers) {
    if (layer.type === "Data") {
      const d = outcome.datasets.find((x) => x.layerIndex === layer.index);
      if (!d) return { reason: options.datasets === false ? "the probe reads the datasets: drop --no-data" : `Data layer '${layer.name}' has no source` };
      if (!d.resolved) return { reason: `the dataset ${d.source} was not found (give --root, or run where Caffe would)` };
      if (d.error || !d.stats) return { reason: `cannot read ${d.source}: ${d.error?.message ?? "no records"}` };
      sources.set(layer.name, d.resolved);
      notes.push(`${d.source} (LMDB, ${d.stats.count} records)`);
      continue;
    }
    if (layer.type !== "Input" && layer.type !== "ImageData" && layer.type.endsWith("Data") && layer.type !== "DummyData") {
      return { reason: `the probe cannot feed a ${layer.type} layer ('${layer.name}')` };
    }
  }

  const lossLayer = train.layers.find((l) => l.type === "SoftmaxWithLoss");
  const classes = lossLayer?.bottomShapes[0]?.[1];
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
      return found ? lmdbRecords(found) : undefined;
    },
    meanImage: (p) => {
      const found = resolve(p).path;
      return found ? readMeanFile(found) : undefined;
    },
    syntheticShape: (layer) => {
      // Input layers need no records; ImageData lists are not decoded: synthetic images of the declared size.
      const p = sub(layer, "image_data_param");
      const h = num(p, "new_height", 0);
      const w = num(p, "new_width", 0);
      return h > 0 && w > 0 ? { channels: 3, height: h, width: w, ...(classes ? { labels: classes } : {}) } : undefined;
    },
    dataNote: notes.length > 0 ? notes.join(", ") : "synthetic batches from the declared shapes",
    ...(initial ? { initial } : {}),
    rebuild,
  };
  return { subject };
}

/** Findings whose rules point at divergence; their presence makes the probe run by default. */
export function divergenceFindings(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.ruleId in SYMPTOMS && f.severity !== "info");
}
