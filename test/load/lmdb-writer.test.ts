/**
 * The writer: round trips through our reader, and files that the reference
 * LMDB 0.9 tools (mdb_stat, mdb_dump from lmdb-utils) read back exactly.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LmdbError, openLmdb, writeLmdb } from "../../src/load/lmdb/index.js";
import { onPath, recordsDigest } from "./helpers.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bnlint-lmdb-writer-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const enc = new TextEncoder();
/** Deterministic pseudo-random bytes, independent of the code under test. */
function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 0xff;
  }
  return out;
}
function records(n: number, valueSize: (i: number) => number): { key: Uint8Array; value: Uint8Array }[] {
  return Array.from({ length: n }, (_, i) => ({ key: enc.encode(String(i).padStart(8, "0")), value: bytes(valueSize(i), i + 1) }));
}

const CASES: { name: string; recs: { key: Uint8Array; value: Uint8Array }[]; pageSize?: number }[] = [
  { name: "small", recs: records(40, () => 73) },
  { name: "many-levels", recs: records(3000, (i) => 20 + (i % 50)), pageSize: 512 },
  { name: "overflow", recs: records(30, (i) => (i % 3 === 0 ? 3083 : i === 7 ? 200_000 : 100)) },
  { name: "boundary", recs: records(12, (i) => 2038 - 8 - 8 + (i % 4) - 1) },
  { name: "empty", recs: [] },
  // Larger than the reader's 1 MiB windows: the tree and overflow windows are refilled many times.
  { name: "multi-window", recs: records(5000, (i) => (i % 97 === 0 ? 9000 : 600)) },
];

describe("writeLmdb round trip through openLmdb", () => {
  for (const c of CASES) {
    it(`${c.name}: same records, same order`, () => {
      const dir = path.join(tmp, `rt-${c.name}`);
      const res = writeLmdb(dir, c.recs, { pageSize: c.pageSize });
      const env = openLmdb(dir);
      expect(env.count).toBe(c.recs.length);
      expect(recordsDigest(env.entries())).toEqual(recordsDigest(c.recs));
      if (c.name === "many-levels") expect(res.depth).toBeGreaterThanOrEqual(3);
      if (c.name === "overflow") expect(res.overflowPages).toBeGreaterThan(49);
    });
  }

  it("writes a single-file environment", () => {
    const file = path.join(tmp, "single.mdb");
    writeLmdb(file, records(5, () => 10), { singleFile: true });
    const env = openLmdb(file);
    expect(env.layout).toBe("single-file");
    expect(env.count).toBe(5);
  });

  it("refuses unsorted keys, duplicate keys and an existing data file", () => {
    const r = records(3, () => 4);
    expect(() => writeLmdb(path.join(tmp, "unsorted"), [r[1]!, r[0]!])).toThrow(/strictly increasing/);
    expect(() => writeLmdb(path.join(tmp, "dup"), [r[0]!, r[0]!])).toThrow(LmdbError);
    writeLmdb(path.join(tmp, "exists"), r);
    expect(() => writeLmdb(path.join(tmp, "exists"), r)).toThrow(/already exists/);
  });
});

const haveTools = onPath("mdb_dump") && onPath("mdb_stat");
if (!haveTools) console.warn("mdb_dump/mdb_stat not on PATH (install lmdb-utils): skipping the reference-tool checks");

/** Parses mdb_dump's default (hex) output into records. */
function parseDump(text: string): { key: Uint8Array; value: Uint8Array }[] {
  const lines = text.split("\n");
  const start = lines.indexOf("HEADER=END") + 1;
  const end = lines.indexOf("DATA=END");
  const out: { key: Uint8Array; value: Uint8Array }[] = [];
  for (let i = start; i < end; i += 2) {
    out.push({ key: Buffer.from(lines[i]!.trim(), "hex"), value: Buffer.from(lines[i + 1]!.trim(), "hex") });
  }
  return out;
}

describe.skipIf(!haveTools)("reference LMDB 0.9 tools read what writeLmdb writes (skipped without lmdb-utils)", () => {
  for (const c of CASES) {
    it(`${c.name}: mdb_dump returns the records written, mdb_stat the counts`, () => {
      const dir = path.join(tmp, `tool-${c.name}`);
      const res = writeLmdb(dir, c.recs, { pageSize: c.pageSize });
      const dump = execFileSync("mdb_dump", [dir], { encoding: "utf8", maxBuffer: 64 << 20 });
      const got = parseDump(dump);
      expect(got.length).toBe(c.recs.length);
      expect(recordsDigest(got)).toEqual(recordsDigest(c.recs));
      const stat = execFileSync("mdb_stat", [dir], { encoding: "utf8" });
      expect(stat).toMatch(new RegExp(`Entries: ${c.recs.length}\\b`));
      expect(stat).toMatch(new RegExp(`Tree depth: ${res.depth}\\b`));
      expect(stat).toMatch(new RegExp(`Overflow pages: ${res.overflowPages}\\b`));
    });
  }

  it("mdb_dump -n reads a single-file environment", () => {
    const file = path.join(tmp, "tool-single.mdb");
    const recs = records(7, () => 9);
    writeLmdb(file, recs, { singleFile: true });
    const got = parseDump(execFileSync("mdb_dump", ["-n", file], { encoding: "utf8" }));
    expect(recordsDigest(got)).toEqual(recordsDigest(recs));
  });
});
