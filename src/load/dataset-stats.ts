/**
 * Statistics of a Caffe dataset (an LMDB of caffe.Datum records), gathered in
 * one streamed pass in key order, the order Caffe's Data layer reads:
 * record count, shapes, storage kind, undecodable or wrongly sized records,
 * pixel value range and per-channel mean/std, label histogram and whether the
 * labels look shuffled along the keys.
 *
 * Bounded work on large datasets: at most `maxRecords` records and about
 * `maxBytes` of values are read (the key-order prefix, i.e. the records
 * training starts with; the total count still comes from the meta page). Pixel statistics use a reproducible random
 * subset of about `pixelSampleRecords` of the scanned records, drawn with a
 * seeded generator, so they cost little even when every record is decoded.
 * Output is plain JSON-serialisable data.
 */
import { DatumDecodeError, datumFloats, decodeDatumFieldsCached, newDatumFields, newDatumHeadCache, type DatumFields } from "./datum.js";
import { mulberry32Output, mulberry32Step } from "../engine/rng.js";
import { readImageHeader } from "./image-header.js";
import { openLmdb, type LmdbCursor, type LmdbEnv } from "./lmdb/reader.js";

/** Anything that yields records in key order; `count` is the total when known. */
export interface RecordStream {
  count?: number;
  entries(): Iterable<{ key: Uint8Array; value: Uint8Array }>;
  /** An allocation-free walk over the same records (LmdbEnv has one); used when present. */
  cursor?(): LmdbCursor;
}

/** A cursor over any iterable of records. */
function cursorOverEntries(entries: Iterable<{ key: Uint8Array; value: Uint8Array }>): LmdbCursor {
  const it = entries[Symbol.iterator]();
  const cursor: LmdbCursor = {
    keyBuf: new Uint8Array(0),
    keyStart: 0,
    keyEnd: 0,
    valueBuf: new Uint8Array(0),
    valueStart: 0,
    valueEnd: 0,
    runBuf: new Uint8Array(0),
    nextRun: () => -1,
    next() {
      const r = it.next();
      if (r.done) return false;
      cursor.keyBuf = r.value.key;
      cursor.keyEnd = r.value.key.length;
      cursor.valueBuf = r.value.value;
      cursor.valueEnd = r.value.value.length;
      return true;
    },
    close() {
      it.return?.();
    },
  };
  return cursor;
}

export interface ScanOptions {
  /** Records to read at most (a key-order prefix); default 100,000. */
  maxRecords?: number;
  /** Stop after reading this many value bytes (large encoded images); default 1 GiB. */
  maxBytes?: number;
  /** Target number of records whose pixels enter value statistics; default 1,000. */
  pixelSampleRecords?: number;
  /** Seed of the pixel-sample draw; default 1. */
  seed?: number;
  /** Called every few thousand records and at the end. */
  onProgress?: (scanned: number, total: number) => void;
  /** How many example keys to keep per finding; default 5. */
  exampleKeys?: number;
}

/** A count of records with a property, plus the first few keys having it. */
export interface KeyedCount {
  count: number;
  firstKeys: string[];
}

export interface ChannelStats {
  mean: number;
  std: number;
  min: number;
  max: number;
}

/** Whether labels change along the key order as often as a random order would make them. */
export interface LabelOrderStats {
  /** Records whose label differs from the previous record's. */
  changes: number;
  /** Expected changes if the same labels were in uniformly random order. */
  expectedChanges: number;
  /** Standard deviation of the changes under random order. */
  stdChanges: number;
  /** (changes - expected) / std: strongly negative means labels come in runs. */
  z: number | null;
  /** changes / expected: about 1 when shuffled, near 0 when grouped by class. */
  ratio: number | null;
  verdict: "shuffled" | "unshuffled" | "undetermined";
}

export type StorageKind = "bytes" | "float" | "encoded" | "mixed" | "none";

export interface DatasetStats {
  /** Records in the dataset (from the LMDB meta page when available). */
  count: number;
  /** Records actually read. */
  scanned: number;
  /** How the scanned records and the pixel sample were chosen. */
  sampling: { prefix: boolean; maxRecords: number; maxBytes: number; pixelRecords: number; seed: number };
  firstKeys: string[];
  maxValueBytes: number;
  /** Shape (C, H, W) of the first decodable record, and those disagreeing with it. */
  shape: { chw: [number, number, number] | null; consistent: boolean; mismatches: KeyedCount; distinct: { chw: [number, number, number]; count: number }[] };
  storage: { kind: StorageKind; bytes: number; float: number; encoded: number; empty: number; imageFormats: Record<string, number> };
  /** Records that are not valid caffe.Datum messages. */
  undecodable: KeyedCount & { firstReasons: string[] };
  /** Records whose data or float_data length is not C*H*W. */
  sizeMismatch: KeyedCount;
  /** Pixel values of the sampled records (not for encoded images); null if none. */
  pixels: { records: number; min: number; max: number; perChannel: ChannelStats[] } | null;
  labels: { histogram: Record<string, number>; distinct: number; min: number | null; max: number | null };
  labelOrder: LabelOrderStats;
}

/** How far below its random-order expectation the change count must fall to call the order unshuffled. */
export const UNSHUFFLED_MAX_RATIO = 0.5;
export const UNSHUFFLED_MAX_Z = -3;

/**
 * The label-order statistic: the number of label changes between consecutive
 * records, against its mean and spread when the same multiset of labels is in
 * uniformly random order (the k-category runs test: with N labels, n_i of
 * class i, S2 = sum n_i^2, S3 = sum n_i^3, E = (N^2 - S2) / N and
 * Var = (S2 (S2 + N (N + 1)) - 2 N S3 - N^3) / (N^2 (N - 1))). Conditioning on
 * the histogram keeps it fair to imbalanced datasets.
 */
export function labelOrderFromCounts(changes: number, histogram: Iterable<number>): LabelOrderStats {
  let n = 0;
  let s2 = 0;
  let s3 = 0;
  let distinct = 0;
  for (const c of histogram) {
    if (c <= 0) continue;
    n += c;
    s2 += c * c;
    s3 += c * c * c;
    distinct++;
  }
  if (n < 3 || distinct < 2) {
    return { changes, expectedChanges: 0, stdChanges: 0, z: null, ratio: null, verdict: "undetermined" };
  }
  const expected = (n * n - s2) / n;
  const variance = Math.max(0, (s2 * (s2 + n * (n + 1)) - 2 * n * s3 - n * n * n) / (n * n * (n - 1)));
  const std = Math.sqrt(variance);
  const z = std > 0 ? (changes - expected) / std : null;
  const ratio = changes / expected;
  const unshuffled = ratio < UNSHUFFLED_MAX_RATIO && (z === null || z < UNSHUFFLED_MAX_Z);
  return { changes, expectedChanges: expected, stdChanges: std, z, ratio, verdict: unshuffled ? "unshuffled" : "shuffled" };
}

/** The label-order statistic of a label sequence. */
export function labelOrder(labels: ArrayLike<number>): LabelOrderStats {
  const counts = new Map<number, number>();
  let changes = 0;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    counts.set(l, (counts.get(l) ?? 0) + 1);
    if (i > 0 && l !== labels[i - 1]) changes++;
  }
  return labelOrderFromCounts(changes, counts.values());
}

const utf8 = new TextDecoder("utf-8");
/** Labels 0..SMALL_LABELS-1 are counted in an array, others in a Map. */
const SMALL_LABELS = 4096;
const keyText = (k: Uint8Array) => utf8.decode(k);

function addKey(k: KeyedCount, key: Uint8Array, limit: number): void {
  k.count++;
  if (k.firstKeys.length < limit) k.firstKeys.push(keyText(key));
}

/**
 * Running pixel sums per channel. Byte pixels go through a 256-bin histogram
 * (exact and fast): 32-bit counters, which increment faster than doubles,
 * folded into `byteTotals` before they could overflow. Each channel has four
 * sub-histograms that take every fourth byte: runs of equal bytes (black
 * borders, flat backgrounds) then do not make each increment wait on the
 * previous one to the same counter.
 */
interface PixelAccumulator {
  channels: number;
  byteHist: Uint32Array;
  /** Bytes counted per channel in byteHist since the last fold. */
  byteHistFill: number;
  byteTotals: Float64Array;
  sum: Float64Array;
  sumSq: Float64Array;
  count: Float64Array;
  min: Float64Array;
  max: Float64Array;
  records: number;
}

function newAccumulator(channels: number): PixelAccumulator {
  return {
    channels,
    byteHist: new Uint32Array(channels * 1024),
    byteHistFill: 0,
    byteTotals: new Float64Array(channels * 256),
    sum: new Float64Array(channels),
    sumSq: new Float64Array(channels),
    count: new Float64Array(channels),
    min: new Float64Array(channels).fill(Infinity),
    max: new Float64Array(channels).fill(-Infinity),
    records: 0,
  };
}

function foldByteHist(acc: PixelAccumulator): void {
  const hist = acc.byteHist;
  for (let c = 0; c < acc.channels; c++) {
    for (let v = 0; v < 256; v++) {
      const at = c * 1024 + v;
      acc.byteTotals[c * 256 + v]! += hist[at]! + hist[at + 256]! + hist[at + 512]! + hist[at + 768]!;
    }
  }
  acc.byteHist.fill(0);
  acc.byteHistFill = 0;
}

function finishPixels(acc: PixelAccumulator | null): DatasetStats["pixels"] {
  if (!acc || acc.records === 0) return null;
  foldByteHist(acc);
  const perChannel: ChannelStats[] = [];
  for (let c = 0; c < acc.channels; c++) {
    let n = acc.count[c]!;
    let sum = acc.sum[c]!;
    let sumSq = acc.sumSq[c]!;
    let min = acc.min[c]!;
    let max = acc.max[c]!;
    for (let v = 0; v < 256; v++) {
      const h = acc.byteTotals[c * 256 + v]!;
      if (h === 0) continue;
      n += h;
      sum += h * v;
      sumSq += h * v * v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const mean = n > 0 ? sum / n : 0;
    perChannel.push({ mean, std: n > 0 ? Math.sqrt(Math.max(0, sumSq / n - mean * mean)) : 0, min, max });
  }
  return {
    records: acc.records,
    min: Math.min(...perChannel.map((c) => c.min)),
    max: Math.max(...perChannel.map((c) => c.max)),
    perChannel,
  };
}

/** Everything a scan accumulates; plain data, filled by scanRecords. */
interface ScanState {
  maxRecords: number;
  maxBytes: number;
  limit: number;
  total: number | undefined;
  pixelProbability: number;
  /** State of the seeded generator (mulberry32) that draws the pixel sample. */
  randomState: number;
  onProgress: ScanOptions["onProgress"];
  scanned: number;
  maxValueBytes: number;
  firstKeys: string[];
  refShape: [number, number, number] | null;
  shapes: Map<string, { chw: [number, number, number]; count: number }>;
  lastShape: { chw: [number, number, number]; count: number } | undefined;
  mismatches: KeyedCount;
  undecodable: KeyedCount & { firstReasons: string[] };
  sizeMismatch: KeyedCount;
  storage: { bytes: number; float: number; encoded: number; empty: number; imageFormats: Record<string, number> };
  labelCounts: Map<number, number>;
  smallLabelCounts: Float64Array;
  changes: number;
  pixels: PixelAccumulator | null;
}

/**
 * Scans a dataset: `source` is an LMDB path, an opened LmdbEnv or any
 * key-ordered record stream. Throws LmdbError for unreadable environments;
 * records that do not decode are counted, not thrown.
 */
export function scanDataset(source: string | LmdbEnv | RecordStream, options: ScanOptions = {}): DatasetStats {
  const stream: RecordStream = typeof source === "string" ? openLmdb(source) : source;
  const maxRecords = options.maxRecords ?? 100_000;
  const maxBytes = options.maxBytes ?? 2 ** 30;
  const seed = options.seed ?? 1;
  const total = stream.count;
  const planned = Math.min(total ?? maxRecords, maxRecords);
  const pixelTarget = options.pixelSampleRecords ?? 1000;
  const s: ScanState = {
    maxRecords,
    maxBytes,
    limit: options.exampleKeys ?? 5,
    total,
    pixelProbability: planned > 0 ? Math.min(1, pixelTarget / planned) : 1,
    randomState: seed >>> 0,
    onProgress: options.onProgress,
    scanned: 0,
    maxValueBytes: 0,
    firstKeys: [],
    refShape: null,
    shapes: new Map(),
    lastShape: undefined,
    mismatches: { count: 0, firstKeys: [] },
    undecodable: { count: 0, firstKeys: [], firstReasons: [] },
    sizeMismatch: { count: 0, firstKeys: [] },
    storage: { bytes: 0, float: 0, encoded: 0, empty: 0, imageFormats: {} },
    labelCounts: new Map(),
    smallLabelCounts: new Float64Array(SMALL_LABELS),
    changes: 0,
    pixels: null,
  };
  const cursor = stream.cursor ? stream.cursor() : cursorOverEntries(stream.entries());
  try {
    scanRecords(cursor, s);
  } finally {
    cursor.close();
  }
  options.onProgress?.(s.scanned, total ?? s.scanned);
  return finishScan(s, seed);
}

/**
 * The per-record loop, in a function of its own so that the engine optimises
 * it once and keeps it (a loop inside a function that goes on to unrelated
 * work is recompiled on every call).
 */
/** Records fetched per nextRun call: a leaf page holds fewer in any Caffe dataset. */
const RUN = 64;

function scanRecords(cursor: LmdbCursor, s: ScanState): void {
  // The current record's key, as the reader gave it.
  const at: { buf: Uint8Array; start: number; end: number } = { buf: new Uint8Array(0), start: 0, end: 0 };
  const key = () => at.buf.subarray(at.start, at.end);
  const run = new Int32Array(4 * RUN);
  let runLength = 0;
  let runNext = 0;
  const f = newDatumFields();
  const heads = newDatumHeadCache();
  const { maxRecords, maxBytes, limit, storage, smallLabelCounts, pixelProbability, onProgress } = s;
  // A record enters the pixel sample when its uniform draw u / 2^32 is below pixelProbability,
  // i.e. when u < pixelProbability * 2^32 (exact: scaling by a power of two).
  const sampleBelow = pixelProbability * 4294967296;
  let randomState = s.randomState;
  let scanned = 0;
  let maxValueBytes = s.maxValueBytes;
  // Records of the previous clean record's layout not yet added to the storage and shape counts.
  let sameLayout = 0;
  const flushSameLayout = () => {
    if (sameLayout === 0) return;
    if (previous.dataLength > 0) storage.bytes += sameLayout;
    else storage.float += sameLayout;
    s.lastShape!.count += sameLayout;
    sameLayout = 0;
  };
  let bytesRead = 0;
  let changes = 0;
  let previousLabel = -1;
  let hasPrevious = false;
  // The layout of the previous record when it passed every check (non-empty,
  // not encoded, of the reference shape, of the right size).
  let previousClean = false;
  // The head-cache generation whose plain records are known clean, or -1.
  let cleanHead = -1;
  const previous = { channels: 0, height: 0, width: 0, dataLength: 0, floatCount: 0 };
  while (scanned < maxRecords && bytesRead < maxBytes) {
    // Records come a leaf page at a time from nextRun; one with an overflow value from next().
    let buf: Uint8Array, start: number, end: number;
    if (runNext < runLength) {
      const o = 4 * runNext++;
      buf = cursor.runBuf;
      at.buf = buf;
      at.start = run[o]!;
      at.end = run[o + 1]!;
      start = run[o + 2]!;
      end = run[o + 3]!;
    } else {
      const room = maxRecords - scanned;
      runLength = cursor.nextRun(room < RUN ? run.subarray(0, 4 * room) : run);
      runNext = 0;
      if (runLength > 0) continue;
      if (runLength === 0) break;
      // A record whose value is on overflow pages (or a stream without runs): one at a time.
      runLength = 0;
      if (!cursor.next()) break;
      buf = cursor.valueBuf;
      start = cursor.valueStart;
      end = cursor.valueEnd;
      at.buf = cursor.keyBuf;
      at.start = cursor.keyStart;
      at.end = cursor.keyEnd;
    }
    scanned++;
    bytesRead += end - start;
    if (scanned <= 3) s.firstKeys.push(keyText(key()));
    if (end - start > maxValueBytes) maxValueBytes = end - start;
    if (onProgress && (scanned & 4095) === 0) onProgress(scanned, s.total ?? scanned);

    let plainHead: boolean;
    try {
      plainHead = decodeDatumFieldsCached(buf, start, end, f, heads);
    } catch (e) {
      if (!(e instanceof DatumDecodeError)) throw e;
      addKey(s.undecodable, key(), limit);
      if (s.undecodable.firstReasons.length < limit) s.undecodable.firstReasons.push(e.message);
      hasPrevious = false;
      continue;
    }

    const label = f.label;
    if (label >= 0 && label < SMALL_LABELS) smallLabelCounts[label]!++;
    else s.labelCounts.set(label, (s.labelCounts.get(label) ?? 0) + 1);
    if (hasPrevious && label !== previousLabel) changes++;
    previousLabel = label;
    hasPrevious = true;

    if (plainHead && heads.generation === cleanHead) {
      // Fields equal to those of an earlier record of the same cached head that was clean, with
      // only clean records of that layout since (cleanHead is reset by anything else).
      sameLayout++;
    } else if (
      previousClean &&
      f.channels === previous.channels &&
      f.height === previous.height &&
      f.width === previous.width &&
      !f.encoded &&
      (f.dataStart >= 0 ? f.dataEnd - f.dataStart : 0) === previous.dataLength &&
      f.floatCount === previous.floatCount
    ) {
      // The same layout as the previous record, which passed every check in
      // checkRecord: the outcome is the same, only the counters move.
      sameLayout++;
      cleanHead = plainHead ? heads.generation : -1;
    } else {
      flushSameLayout();
      cleanHead = -1;
      previousClean = checkRecord(s, buf, f, key);
      if (!previousClean) continue;
      previous.channels = f.channels;
      previous.height = f.height;
      previous.width = f.width;
      previous.dataLength = f.dataStart >= 0 ? f.dataEnd - f.dataStart : 0;
      previous.floatCount = f.floatCount;
      if (plainHead) cleanHead = heads.generation;
    }
    if (pixelProbability < 1) {
      randomState = mulberry32Step(randomState);
      if (mulberry32Output(randomState) >= sampleBelow) continue;
    }
    s.pixels ??= newAccumulator(f.channels);
    addPixels(s.pixels, buf, start, end, f);
  }
  flushSameLayout();
  s.scanned = scanned;
  s.changes = changes;
  s.maxValueBytes = maxValueBytes;
  s.randomState = randomState;
}

/**
 * Counts a record's storage kind and shape and checks it: true when it is
 * clean (not encoded, of the reference shape, holding C*H*W values), so that
 * its pixels may enter the statistics.
 */
function checkRecord(s: ScanState, buf: Uint8Array, f: DatumFields, key: () => Uint8Array): boolean {
  const { storage, limit } = s;
  let c = f.channels;
  let h = f.height;
  let w = f.width;
  const dataLength = f.dataStart >= 0 ? f.dataEnd - f.dataStart : 0;
  if (f.encoded) {
    storage.encoded++;
    const header = f.dataStart >= 0 ? readImageHeader(buf.subarray(f.dataStart, f.dataEnd)) : undefined;
    const format = header?.format ?? "unknown";
    storage.imageFormats[format] = (storage.imageFormats[format] ?? 0) + 1;
    if (header) {
      c = header.channels;
      h = header.height;
      w = header.width;
    }
  } else if (dataLength > 0) storage.bytes++;
  else if (f.floatCount > 0) storage.float++;
  else storage.empty++;

  const last = s.lastShape;
  if (last && last.chw[0] === c && last.chw[1] === h && last.chw[2] === w) last.count++;
  else {
    const shapeKey = `${c}x${h}x${w}`;
    const entry = s.shapes.get(shapeKey);
    if (entry) entry.count++;
    else if (s.shapes.size < 16) s.shapes.set(shapeKey, { chw: [c, h, w], count: 1 });
    s.lastShape = s.shapes.get(shapeKey);
  }
  const ref = (s.refShape ??= [c, h, w]);
  const isRefShape = ref[0] === c && ref[1] === h && ref[2] === w;
  if (!isRefShape) addKey(s.mismatches, key(), limit);

  if (f.encoded) return false;
  const expected = c * h * w;
  const stored = dataLength > 0 ? dataLength : f.floatCount;
  if (stored !== expected) {
    addKey(s.sizeMismatch, key(), limit);
    return false;
  }
  return expected > 0 && isRefShape && s.lastShape !== undefined;
}

/** Adds a clean record's pixels to the running statistics. */
function addPixels(pixels: PixelAccumulator, buf: Uint8Array, start: number, end: number, f: DatumFields): void {
  const c = f.channels;
  const plane = f.height * f.width;
  pixels.records++;
  if (f.dataStart >= 0 && f.dataEnd > f.dataStart) {
    if (pixels.byteHistFill + plane > 0xffffffff) foldByteHist(pixels);
    pixels.byteHistFill += plane;
    for (let ch = 0; ch < c; ch++) addBytesToHistogram(pixels.byteHist, ch * 1024, buf, f.dataStart + ch * plane, plane);
    return;
  }
  addFloats(pixels, datumFloats(buf, start, end, f), c, plane);
}

// The loops below are functions of their own, each without branches its first calls may not take:
// V8 optimises a long loop while it runs, and reaching code that had no type feedback then (a plane
// whose size is not a multiple of four; float pixels after byte ones) threw the optimised loop away.

/** Counts the `plane` bytes from buf[from] into the four sub-histograms of 256 at hist[h0..h0 + 1024). */
function addBytesToHistogram(hist: Uint32Array, h0: number, buf: Uint8Array, from: number, plane: number): void {
  const h1 = h0 + 256, h2 = h0 + 512, h3 = h0 + 768;
  const to4 = from + plane - (plane % 4);
  for (let i = from; i < to4; i += 4) {
    hist[h0 + buf[i]!]!++;
    hist[h1 + buf[i + 1]!]!++;
    hist[h2 + buf[i + 2]!]!++;
    hist[h3 + buf[i + 3]!]!++;
  }
  addBytesOneByOne(hist, h0, buf, to4, from + plane);
}

function addBytesOneByOne(hist: Uint32Array, h0: number, buf: Uint8Array, from: number, to: number): void {
  for (let i = from; i < to; i++) hist[h0 + buf[i]!]!++;
}

function addFloats(pixels: PixelAccumulator, floats: Float32Array, c: number, plane: number): void {
  for (let ch = 0; ch < c; ch++) {
    let sum = 0;
    let sumSq = 0;
    let min = pixels.min[ch]!;
    let max = pixels.max[ch]!;
    const to = (ch + 1) * plane;
    for (let i = ch * plane; i < to; i++) {
      const v = floats[i]!;
      sum += v;
      sumSq += v * v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    pixels.sum[ch]! += sum;
    pixels.sumSq[ch]! += sumSq;
    pixels.count[ch]! += plane;
    pixels.min[ch] = min;
    pixels.max[ch] = max;
  }
}

function finishScan(s: ScanState, seed: number): DatasetStats {
  const { labelCounts, smallLabelCounts, storage, total, scanned, maxRecords, maxBytes, pixels, refShape, mismatches, shapes } = s;
  for (let l = 0; l < SMALL_LABELS; l++) if (smallLabelCounts[l]! > 0) labelCounts.set(l, smallLabelCounts[l]!);

  const sortedLabels = [...labelCounts.keys()].sort((a, b) => a - b);
  const histogram: Record<string, number> = {};
  for (const l of sortedLabels) histogram[String(l)] = labelCounts.get(l)!;
  const kinds = (["bytes", "float", "encoded"] as const).filter((k) => storage[k] > 0);
  const kind: StorageKind = kinds.length === 0 ? "none" : kinds.length === 1 ? kinds[0]! : "mixed";
  const { firstKeys, maxValueBytes, undecodable, sizeMismatch, changes } = s;

  return {
    count: total ?? scanned,
    scanned,
    sampling: { prefix: total !== undefined && scanned < total, maxRecords, maxBytes, pixelRecords: pixels?.records ?? 0, seed },
    firstKeys,
    maxValueBytes,
    shape: { chw: refShape, consistent: mismatches.count === 0, mismatches, distinct: [...shapes.values()] },
    storage: { kind, ...storage },
    undecodable,
    sizeMismatch,
    pixels: finishPixels(pixels),
    labels: {
      histogram,
      distinct: sortedLabels.length,
      min: sortedLabels.length ? sortedLabels[0]! : null,
      max: sortedLabels.length ? sortedLabels[sortedLabels.length - 1]! : null,
    },
    labelOrder: labelOrderFromCounts(changes, labelCounts.values()),
  };
}
