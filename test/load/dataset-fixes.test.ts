/** Shuffled and relabelled copies: new datasets, the source untouched, destinations guarded. */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { decodeDatum } from "../../src/load/datum.js";
import { LabelMappingError, parseLabelMapping, relabelLmdb, shuffleLmdb } from "../../src/load/dataset-fixes.js";
import { scanDataset } from "../../src/load/dataset-stats.js";
import { openLmdb } from "../../src/load/lmdb/index.js";
import { onPath } from "./helpers.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const FIXTURES = path.join(REPO, "fixtures/lmdb");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bnlint-fixes-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const records = (dir: string) => Array.from(openLmdb(dir).entries(), (e) => ({ key: Buffer.from(e.key).toString(), value: Buffer.from(e.value).toString("hex") }));
const digestOfFolder = (dir: string) => fs.readFileSync(path.join(dir, "data.mdb")).toString("base64");

describe("parseLabelMapping", () => {
  it("reads ranges, single labels and mixes", () => {
    expect([...parseLabelMapping("1..10=0..9")]).toEqual(Array.from({ length: 10 }, (_, i) => [i + 1, i]));
    expect([...parseLabelMapping("3=0, 5=1")]).toEqual([[3, 0], [5, 1]]);
    expect([...parseLabelMapping("1..2=1..0,7=-1")]).toEqual([[1, 1], [2, 0], [7, -1]]);
  });
  it.each(["", "1..10=0..8", "a=b", "1=2=3", "1=0,1=2"])("rejects %j", (text) => {
    expect(() => parseLabelMapping(text)).toThrow(LabelMappingError);
  });
});

describe("shuffleLmdb", () => {
  it("writes the same values in a new order under %08d keys, reproducibly", () => {
    const src = path.join(FIXTURES, "sorted40");
    const before = digestOfFolder(src);
    const a = path.join(tmp, "shuffled-a");
    shuffleLmdb(src, a, 42);
    shuffleLmdb(src, path.join(tmp, "shuffled-b"), 42);
    expect(digestOfFolder(src)).toBe(before);
    const original = records(src);
    const shuffled = records(a);
    expect(shuffled.map((r) => r.key)).toEqual(original.map((_, i) => String(i).padStart(8, "0")));
    expect(shuffled.map((r) => r.value).sort()).toEqual(original.map((r) => r.value).sort());
    expect(shuffled.map((r) => r.value)).not.toEqual(original.map((r) => r.value));
    expect(records(path.join(tmp, "shuffled-b"))).toEqual(shuffled);
    expect(scanDataset(src).labelOrder.verdict).toBe("unshuffled");
    expect(scanDataset(a).labelOrder.verdict).toBe("shuffled");
  });

  it("refuses to write into the source or into a non-empty folder", () => {
    const src = path.join(FIXTURES, "sorted40");
    expect(() => shuffleLmdb(src, src, 1)).toThrow(/is the source/);
    expect(() => shuffleLmdb(src, path.join(src, "inner"), 1)).toThrow(/is the source/);
    const busy = path.join(tmp, "busy");
    fs.mkdirSync(busy);
    fs.writeFileSync(path.join(busy, "notes.txt"), "keep me");
    expect(() => shuffleLmdb(src, busy, 1)).toThrow(/not an empty folder/);
    expect(fs.readdirSync(busy)).toEqual(["notes.txt"]);
    const empty = path.join(tmp, "empty-dir");
    fs.mkdirSync(empty);
    expect(shuffleLmdb(src, empty, 1).count).toBe(40);
  });
});

describe("relabelLmdb", () => {
  it("maps labels 1..10 to 0..9, keeping keys and every other byte", () => {
    const src = path.join(FIXTURES, "one_based40");
    const dst = path.join(tmp, "relabelled");
    const res = relabelLmdb(src, dst, "1..10=0..9");
    expect(res.count).toBe(40);
    expect(res.unmapped).toBe(0);
    expect(Object.values(res.changed).reduce((a, b) => a + b, 0)).toBe(40);
    const before = Array.from(openLmdb(src).entries(), (e) => ({ key: e.key.slice(), d: decodeDatum(e.value.slice()) }));
    const after = Array.from(openLmdb(dst).entries(), (e) => ({ key: e.key.slice(), d: decodeDatum(e.value.slice()) }));
    expect(after.map((r) => r.key)).toEqual(before.map((r) => r.key));
    after.forEach((r, i) => {
      expect(r.d.label).toBe(before[i]!.d.label - 1);
      expect(r.d.data).toEqual(before[i]!.d.data);
      expect([r.d.channels, r.d.height, r.d.width]).toEqual([before[i]!.d.channels, before[i]!.d.height, before[i]!.d.width]);
    });
    expect(scanDataset(dst).labels.histogram).toEqual(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [String(i), 4])));
  });

  it("leaves unmapped labels alone and refuses an existing destination", () => {
    const src = path.join(FIXTURES, "mnist40");
    const dst = path.join(tmp, "partial");
    const res = relabelLmdb(src, dst, new Map([[0, 9]]));
    expect(res.unmapped).toBe(36);
    expect(res.changed).toEqual({ "0": 4 });
    expect(() => relabelLmdb(src, dst, "0=1")).toThrow(/not an empty folder/);
  });
});

describe.skipIf(!onPath("mdb_stat"))("fixed datasets are valid for the reference tools (skipped without lmdb-utils)", () => {
  it("mdb_stat reads a shuffled copy", () => {
    const dst = path.join(tmp, "shuffled-for-tools");
    shuffleLmdb(path.join(FIXTURES, "imbalanced200"), dst, 3);
    expect(execFileSync("mdb_stat", [dst], { encoding: "utf8" })).toMatch(/Entries: 200\b/);
  });
});
