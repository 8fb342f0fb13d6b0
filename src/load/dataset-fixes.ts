/**
 * Repairs for two common dataset mistakes, written as NEW datasets: a shuffled
 * copy of a never-shuffled LMDB, and a relabelled copy (e.g. labels 1..10 to
 * 0..9). The source is only read; the destination must be a folder that does
 * not exist yet or is empty, and must not be the source.
 */
import fs from "node:fs";
import path from "node:path";
import { DatumDecodeError, decodeDatum, replaceDatumLabel } from "./datum.js";
import { seededRandom } from "../engine/rng.js";
import { LmdbError } from "./lmdb/format.js";
import { openLmdb, resolveDataFile } from "./lmdb/reader.js";
import { writeLmdb, type WriteLmdbResult } from "./lmdb/writer.js";

/** A malformed label mapping. */
export class LabelMappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LabelMappingError";
  }
}

const RANGE = /^([+-]?\d+)(?:\.\.([+-]?\d+))?$/;

function expandSide(text: string, mapping: string): number[] {
  const m = RANGE.exec(text.trim());
  if (!m) throw new LabelMappingError(`label mapping ${JSON.stringify(mapping)}: ${JSON.stringify(text.trim())} is not a label or a range a..b`);
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  const step = to >= from ? 1 : -1;
  const out: number[] = [];
  for (let v = from; v !== to + step; v += step) out.push(v);
  return out;
}

/**
 * Parses a label mapping such as "1..10=0..9", "3=0,5=1" or a mix
 * ("1..9=0..8,10=9"): each part maps a label or a range to a label or a range
 * of the same length. A label mapped twice is an error.
 */
export function parseLabelMapping(text: string): Map<number, number> {
  const mapping = new Map<number, number>();
  const parts = text.split(",").filter((p) => p.trim() !== "");
  if (parts.length === 0) throw new LabelMappingError("empty label mapping");
  for (const part of parts) {
    const sides = part.split("=");
    if (sides.length !== 2) throw new LabelMappingError(`label mapping ${JSON.stringify(text)}: ${JSON.stringify(part.trim())} is not of the form a=b or a..b=c..d`);
    const from = expandSide(sides[0]!, text);
    const to = expandSide(sides[1]!, text);
    if (from.length !== to.length) {
      throw new LabelMappingError(`label mapping ${JSON.stringify(text)}: ${part.trim()} maps ${from.length} labels to ${to.length}`);
    }
    from.forEach((f, i) => {
      if (mapping.has(f)) throw new LabelMappingError(`label mapping ${JSON.stringify(text)}: label ${f} is mapped twice`);
      mapping.set(f, to[i]!);
    });
  }
  return mapping;
}

/** Refuses a destination that is the source, lies inside it, or already holds files. */
function checkDestination(src: string, dst: string): void {
  const source = resolveDataFile(src);
  const srcDir = source.layout === "folder" ? path.resolve(src) : undefined;
  const dstAbs = path.resolve(dst);
  const sameAs = (a: string, b: string) => {
    try {
      return fs.realpathSync(a) === fs.realpathSync(b);
    } catch {
      return false;
    }
  };
  if (sameAs(dstAbs, source.file) || (srcDir && (sameAs(dstAbs, srcDir) || dstAbs.startsWith(srcDir + path.sep)))) {
    throw new LmdbError("destination-exists", dst, "is the source dataset (or inside it); choose a new folder");
  }
  if (fs.existsSync(dstAbs)) {
    const st = fs.statSync(dstAbs);
    if (!st.isDirectory() || fs.readdirSync(dstAbs).length > 0) {
      throw new LmdbError("destination-exists", dst, "already exists and is not an empty folder; refusing to write into it");
    }
  }
}

const keyOf = (i: number) => new TextEncoder().encode(String(i).padStart(8, "0"));

/**
 * Writes a shuffled copy of the LMDB at `src` to the new folder `dst`: the same
 * values in a seeded random order, under new keys %08d (0-based), as Caffe's
 * convert_imageset --shuffle numbers them. Holds the values in memory.
 */
export function shuffleLmdb(src: string, dst: string, seed: number): WriteLmdbResult {
  checkDestination(src, dst);
  const values = Array.from(openLmdb(src).entries(), (e) => e.value.slice());
  const random = seededRandom(seed);
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = values[i]!;
    values[i] = values[j]!;
    values[j] = t;
  }
  return writeLmdb(
    dst,
    (function* () {
      for (let i = 0; i < values.length; i++) yield { key: keyOf(i), value: values[i]! };
    })(),
  );
}

export interface RelabelResult extends WriteLmdbResult {
  /** Records whose label was changed, per original label. */
  changed: Record<string, number>;
  /** Records kept as they were because their label is not in the mapping. */
  unmapped: number;
}

/**
 * Writes a copy of the LMDB at `src` to the new folder `dst` with labels
 * replaced through `mapping` (a Map or a "1..10=0..9" string); keys and all
 * other Datum fields are kept byte for byte. Streams record by record.
 * Throws LmdbError, LabelMappingError, or DatumDecodeError naming the key.
 */
export function relabelLmdb(src: string, dst: string, mapping: Map<number, number> | string): RelabelResult {
  const map = typeof mapping === "string" ? parseLabelMapping(mapping) : mapping;
  checkDestination(src, dst);
  const changed: Record<string, number> = {};
  let unmapped = 0;
  const result = writeLmdb(
    dst,
    (function* () {
      for (const { key, value } of openLmdb(src).entries()) {
        const label = readLabel(value, key);
        const target = map.get(label);
        if (target === undefined) {
          unmapped++;
          yield { key, value };
          continue;
        }
        changed[String(label)] = (changed[String(label)] ?? 0) + 1;
        yield { key, value: replaceDatumLabel(value, target) };
      }
    })(),
  );
  return { ...result, changed, unmapped };
}

function readLabel(value: Uint8Array, key: Uint8Array): number {
  try {
    // decodeDatum is cheap here: it copies no pixel bytes.
    return decodeDatum(value).label;
  } catch (e) {
    if (e instanceof DatumDecodeError) {
      throw new DatumDecodeError(`record ${JSON.stringify(new TextDecoder().decode(key))}: ${e.message}`);
    }
    throw e;
  }
}
