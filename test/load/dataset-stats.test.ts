/**
 * Dataset statistics: against the reference environments' expectations
 * (../shared), the mdb_load fixtures, and hand-built record streams whose
 * statistics are computed independently here.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { encodeDatum } from "../../src/load/datum.js";
import { seededRandom } from "../../src/engine/rng.js";
import { labelOrder, labelOrderFromCounts, scanDataset, type RecordStream } from "../../src/load/dataset-stats.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const FIXTURES = path.join(REPO, "fixtures/lmdb");
const DATASETS = path.resolve(REPO, "../shared/datasets");
const haveShared = fs.existsSync(DATASETS);
if (!haveShared) console.warn("../shared absent: skipping dataset statistics on reference environments");

/** Relative tolerance of Monte-Carlo estimates of the random-order mean and std. */
const MC_REL_TOL = 0.05;
/** Tolerance of pixel statistics against a direct float64 computation. */
const PIXEL_TOL = 1e-6;

const enc = new TextEncoder();
function stream(values: Uint8Array[]): RecordStream {
  return {
    count: values.length,
    *entries() {
      for (let i = 0; i < values.length; i++) yield { key: enc.encode(String(i).padStart(8, "0")), value: values[i]! };
    },
  };
}

describe("label order statistic", () => {
  it("matches the mean and spread of changes over random permutations", () => {
    const labels: number[] = [];
    for (const [label, n] of [[0, 60], [1, 25], [2, 10], [3, 5]] as const) for (let i = 0; i < n; i++) labels.push(label);
    const stat = labelOrder(labels);
    const rand = seededRandom(99);
    const trials = 4000;
    let sum = 0;
    let sumSq = 0;
    const a = labels.slice();
    for (let t = 0; t < trials; t++) {
      for (let i = a.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [a[i], a[j]] = [a[j]!, a[i]!];
      }
      let ch = 0;
      for (let i = 1; i < a.length; i++) if (a[i] !== a[i - 1]) ch++;
      sum += ch;
      sumSq += ch * ch;
    }
    const mean = sum / trials;
    const std = Math.sqrt(sumSq / trials - mean * mean);
    expect(Math.abs(stat.expectedChanges - mean) / mean).toBeLessThan(MC_REL_TOL);
    expect(Math.abs(stat.stdChanges - std) / std).toBeLessThan(MC_REL_TOL);
    expect(stat.verdict).toBe("unshuffled"); // the sorted input itself
    expect(labelOrder(a).verdict).toBe("shuffled");
  });

  it("is exact on a tiny case (two A, one B: changes 1, 2, 1 with equal odds)", () => {
    const s = labelOrderFromCounts(1, [2, 1]);
    expect(s.expectedChanges).toBeCloseTo(4 / 3, 12);
    expect(s.stdChanges ** 2).toBeCloseTo(2 / 9, 12);
  });

  it("calls a single class undetermined", () => {
    expect(labelOrder([3, 3, 3, 3]).verdict).toBe("undetermined");
  });
});

interface Expected {
  path: string;
  count: number;
  label_histogram: Record<string, number>;
  shapes_chw: number[][];
  storage: string[];
}
const STORAGE: Record<string, string> = { data: "bytes", float_data: "float", encoded: "encoded" };
const UNSHUFFLED = new Set(["sorted_by_label", "keys_by_class"]);

describe.skipIf(!haveShared)("scanDataset on reference environments (skipped when ../shared absent)", () => {
  const files = haveShared ? fs.readdirSync(DATASETS).filter((f) => f.endsWith(".expected.json")) : [];
  for (const f of files) {
    const exp = JSON.parse(fs.readFileSync(path.join(DATASETS, f), "utf8")) as Expected;
    if (!exp.label_histogram) continue;
    it(`${exp.path}: count, labels, shapes, storage, order`, () => {
      const stats = scanDataset(path.join(DATASETS, exp.path));
      expect(stats.count).toBe(exp.count);
      expect(stats.scanned).toBe(exp.count);
      expect(stats.labels.histogram).toEqual(exp.label_histogram);
      expect(stats.shape.distinct.map((d) => d.chw).sort()).toEqual([...exp.shapes_chw].sort());
      expect(stats.shape.consistent).toBe(exp.shapes_chw.length <= 1);
      expect(stats.undecodable.count).toBe(0);
      expect(stats.sizeMismatch.count).toBe(0);
      if (exp.count > 0) expect(stats.storage.kind).toBe(STORAGE[exp.storage[0]!]);
      if (exp.storage[0] === "encoded") expect(stats.storage.imageFormats).toEqual({ png: exp.count });
      if (["mnist_like", "convert_imageset_keys", "cifar_like", "one_based_labels", "float_normalised"].includes(exp.path)) {
        expect(stats.labelOrder.verdict).toBe("shuffled");
      }
      if (UNSHUFFLED.has(exp.path)) expect(stats.labelOrder.verdict).toBe("unshuffled");
      expect(JSON.parse(JSON.stringify(stats))).toEqual(stats);
    });
  }

  it("float_normalised: values within [0, 1]", () => {
    const stats = scanDataset(path.join(DATASETS, "float_normalised"));
    expect(stats.pixels!.min).toBeGreaterThanOrEqual(0);
    expect(stats.pixels!.max).toBeLessThanOrEqual(1);
    expect(stats.pixels!.max).toBeGreaterThan(0.5);
  });
});

describe("scanDataset on mdb_load fixtures", () => {
  it.each([
    ["mnist40", "shuffled"],
    ["one_based40", "shuffled"],
    ["sorted40", "unshuffled"],
    ["imbalanced200", "shuffled"],
    ["random_insert600", "shuffled"],
  ])("%s is %s", (name, verdict) => {
    const exp = JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.expected.json`), "utf8"));
    const stats = scanDataset(path.join(FIXTURES, name));
    expect(stats.labels.histogram).toEqual(exp.label_histogram);
    expect(stats.labelOrder.verdict).toBe(verdict);
    expect(stats.shape.chw).toEqual(exp.shape_chw);
  });
});

describe("scanDataset on built streams", () => {
  const rand = seededRandom(5);
  const shape = { channels: 3, height: 4, width: 5 };
  const pixelsOf = (i: number) => Uint8Array.from({ length: 60 }, (_, j) => (i * 31 + j * 7 + Math.floor(rand() * 9)) & 0xff);
  const images = Array.from({ length: 50 }, (_, i) => pixelsOf(i));

  it("computes exact per-channel mean/std/min/max when every record is sampled", () => {
    const stats = scanDataset(stream(images.map((data, i) => encodeDatum({ ...shape, data, label: i % 4 }))), { pixelSampleRecords: 1e9 });
    expect(stats.pixels!.records).toBe(50);
    for (let c = 0; c < 3; c++) {
      const values = images.flatMap((img) => Array.from(img.subarray(c * 20, c * 20 + 20)));
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
      const got = stats.pixels!.perChannel[c]!;
      expect(got.mean).toBeCloseTo(mean, 6);
      expect(Math.abs(got.std - std)).toBeLessThan(PIXEL_TOL);
      expect(got.min).toBe(Math.min(...values));
      expect(got.max).toBe(Math.max(...values));
    }
  });

  it("finds undecodable, wrongly sized and differently shaped records", () => {
    const values = images.map((data, i) => encodeDatum({ ...shape, data, label: i % 2 }));
    values[3] = new Uint8Array([0x22, 0x50, 1, 2]); // length-delimited field running past the end
    values[7] = encodeDatum({ ...shape, data: images[7]!.subarray(0, 59), label: 1 });
    values[9] = encodeDatum({ channels: 1, height: 6, width: 10, data: images[9]!, label: 0 });
    const stats = scanDataset(stream(values));
    expect(stats.undecodable).toMatchObject({ count: 1, firstKeys: ["00000003"] });
    expect(stats.sizeMismatch).toEqual({ count: 1, firstKeys: ["00000007"] });
    expect(stats.shape.consistent).toBe(false);
    expect(stats.shape.mismatches).toEqual({ count: 1, firstKeys: ["00000009"] });
    expect(stats.shape.chw).toEqual([3, 4, 5]);
  });

  it("reads only a key-order prefix of maxRecords, and the pixel sample is reproducible", () => {
    const values = Array.from({ length: 500 }, (_, i) => encodeDatum({ ...shape, data: pixelsOf(i), label: i % 10 }));
    const a = scanDataset(stream(values), { maxRecords: 300, pixelSampleRecords: 40, seed: 7 });
    const b = scanDataset(stream(values), { maxRecords: 300, pixelSampleRecords: 40, seed: 7 });
    const c = scanDataset(stream(values), { maxRecords: 300, pixelSampleRecords: 40, seed: 8 });
    expect(a.scanned).toBe(300);
    expect(a.count).toBe(500);
    expect(a.sampling.prefix).toBe(true);
    expect(a).toEqual(b);
    expect(a.pixels!.records).toBeGreaterThan(15);
    expect(a.pixels!.records).toBeLessThan(80);
    expect(c.pixels).not.toEqual(a.pixels);
    expect(Object.values(a.labels.histogram).reduce((x, y) => x + y, 0)).toBe(300);
  });

  it("samples exactly the records whose seeded uniform draw falls below targetRecords / scanned", () => {
    // One draw of seededRandom(seed) per clean record in key order; the record is sampled when the draw is below p.
    const images = Array.from({ length: 400 }, (_, i) => pixelsOf(i));
    const values = images.map((data, i) => encodeDatum({ ...shape, data, label: i % 10 }));
    const stats = scanDataset(stream(values), { pixelSampleRecords: 50, seed: 11 });
    const p = 50 / 400;
    const random = seededRandom(11);
    const chosen = values.map(() => random() < p);
    const expectedRecords = chosen.filter(Boolean).length;
    expect(stats.pixels!.records).toBe(expectedRecords);
    // The mean of channel 0 is that of the chosen records' channel-0 pixels.
    const plane = shape.height * shape.width;
    let sum = 0;
    chosen.forEach((yes, i) => {
      if (yes) for (const v of images[i]!.subarray(0, plane)) sum += v;
    });
    expect(stats.pixels!.perChannel[0]!.mean).toBeCloseTo(sum / (expectedRecords * plane), 10);
  });

  it("counts shapes and storage right when layouts alternate (the same-layout shortcuts reset)", () => {
    const A = (i: number) => encodeDatum({ ...shape, data: pixelsOf(i), label: i % 3 });
    const B = (i: number) => encodeDatum({ channels: 3, height: 4, width: 6, data: new Uint8Array(72).fill(i), label: 1 });
    const F = (i: number) => encodeDatum({ ...shape, float_data: Array.from({ length: 60 }, (_, j) => (i + j) / 100), label: 2 });
    const values = [A(0), A(1), A(2), B(3), A(4), A(5), new Uint8Array([0x22, 0x50, 1]), A(7), F(8), F(9), A(10), B(11), B(12), A(13)];
    const stats = scanDataset(stream(values));
    expect(stats.scanned).toBe(14);
    expect(stats.undecodable.count).toBe(1);
    expect(stats.storage).toMatchObject({ bytes: 11, float: 2, encoded: 0, kind: "mixed" });
    expect(stats.shape.distinct).toEqual([
      { chw: [3, 4, 5], count: 10 },
      { chw: [3, 4, 6], count: 3 },
    ]);
    expect(stats.shape.mismatches).toEqual({ count: 3, firstKeys: ["00000003", "00000011", "00000012"] });
    expect(stats.pixels!.records).toBe(10);
  });

  it("stops at the byte budget", () => {
    const values = Array.from({ length: 100 }, (_, i) => encodeDatum({ ...shape, data: pixelsOf(i), label: i % 3 }));
    const stats = scanDataset(stream(values), { maxBytes: 10 * values[0]!.length });
    expect(stats.scanned).toBe(10);
    expect(stats.sampling.prefix).toBe(true);
  });

  it("reports progress", () => {
    const calls: number[] = [];
    scanDataset(stream(Array.from({ length: 9000 }, () => encodeDatum({ channels: 1, height: 1, width: 1, data: new Uint8Array(1), label: 0 }))), {
      onProgress: (n) => calls.push(n),
    });
    expect(calls).toEqual([4096, 8192, 9000]);
  });
});
