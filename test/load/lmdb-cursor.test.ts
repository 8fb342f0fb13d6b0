/** The allocation-free paths agree with the plain ones. */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  DatumDecodeError,
  decodeDatum,
  decodeDatumFields,
  decodeDatumFieldsCached,
  datumFloats,
  encodeDatum,
  newDatumFields,
  newDatumHeadCache,
} from "../../src/load/datum.js";
import { scanDataset } from "../../src/load/dataset-stats.js";
import { openLmdb } from "../../src/load/lmdb/index.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const FIXTURES = path.join(REPO, "fixtures/lmdb");

describe("LmdbCursor", () => {
  it.each(["imbalanced200", "overflow3"])("walks the same records as entries() on %s", (name) => {
    const env = openLmdb(path.join(FIXTURES, name));
    const viaEntries = Array.from(env.entries(), (e) => Buffer.concat([e.key, Buffer.from("|"), e.value]).toString("hex"));
    const viaCursor: string[] = [];
    const c = env.cursor();
    while (c.next()) {
      viaCursor.push(
        Buffer.concat([c.keyBuf.subarray(c.keyStart, c.keyEnd), Buffer.from("|"), c.valueBuf.subarray(c.valueStart, c.valueEnd)]).toString("hex"),
      );
    }
    expect(viaCursor).toEqual(viaEntries);
    expect(c.next()).toBe(false);
  });

  it.each(["imbalanced200", "overflow3", "mnist40", "random_insert600"])("gives the same records through nextRun (with next() for overflow values) on %s", (name) => {
    const env = openLmdb(path.join(FIXTURES, name));
    const viaEntries = Array.from(env.entries(), (e) => Buffer.concat([e.key, Buffer.from("|"), e.value]).toString("hex"));
    const viaRuns: string[] = [];
    const c = env.cursor();
    const run = new Int32Array(4 * 3); // short runs: a page's records come in several calls
    let overflowRecords = 0;
    for (;;) {
      const n = c.nextRun(run);
      if (n === 0) break;
      if (n < 0) {
        expect(c.next()).toBe(true);
        overflowRecords++;
        viaRuns.push(Buffer.concat([c.keyBuf.subarray(c.keyStart, c.keyEnd), Buffer.from("|"), c.valueBuf.subarray(c.valueStart, c.valueEnd)]).toString("hex"));
        continue;
      }
      for (let r = 0; r < n; r++) {
        const b = c.runBuf;
        viaRuns.push(Buffer.concat([b.subarray(run[4 * r]!, run[4 * r + 1]!), Buffer.from("|"), b.subarray(run[4 * r + 2]!, run[4 * r + 3]!)]).toString("hex"));
      }
    }
    expect(viaRuns).toEqual(viaEntries);
    expect(overflowRecords > 0).toBe(name === "overflow3");
    expect(c.nextRun(run)).toBe(0);
  });

  it("stops after close()", () => {
    const c = openLmdb(path.join(FIXTURES, "mnist40")).cursor();
    expect(c.next()).toBe(true);
    c.close();
    expect(c.next()).toBe(false);
  });
});

describe("decodeDatumFields", () => {
  it("decodes a record in the middle of a larger buffer like decodeDatum does", () => {
    const a = encodeDatum({ channels: 2, height: 1, width: 3, data: new Uint8Array([1, 2, 3, 4, 5, 6]), label: 7 });
    const b = encodeDatum({ channels: 1, height: 1, width: 2, float_data: [0.5, -2], label: 9 });
    const buf = new Uint8Array([0xff, ...a, ...b, 0xff]);
    const f = newDatumFields();
    decodeDatumFields(buf, 1, 1 + a.length, f);
    expect(f).toMatchObject({ channels: 2, height: 1, width: 3, label: 7, floatCount: 0 });
    expect(Array.from(buf.subarray(f.dataStart, f.dataEnd))).toEqual([1, 2, 3, 4, 5, 6]);
    decodeDatumFields(buf, 1 + a.length, 1 + a.length + b.length, f);
    expect(f).toMatchObject({ label: 9, floatCount: 2, dataStart: -1 });
    expect(Array.from(datumFloats(buf, 1 + a.length, 1 + a.length + b.length, f))).toEqual(Array.from(decodeDatum(b).float_data!));
  });
});

describe("decodeDatumFieldsCached", () => {
  const bytes = (...parts: number[][]) => new Uint8Array(parts.flat());
  const pixels = (n: number, v: number) => Array.from({ length: n }, () => v);
  // Hand-built records (tag bytes: 08 channels, 10 height, 18 width, 22 data, 28 label, 35 float_data fixed32, 38 encoded).
  const head = [0x08, 1, 0x10, 2, 0x18, 2, 0x22, 4];
  const records: [string, Uint8Array][] = [
    ["plain", bytes(head, pixels(4, 7), [0x28, 3])],
    ["same head, one-byte label", bytes(head, pixels(4, 3), [0x28, 7])],
    ["same head, label 0x28 then more", bytes(head, pixels(4, 3), [0x28, 0x28, 0x08, 5])],
    ["same head, other pixels and label", bytes(head, pixels(4, 9), [0x28, 0x81, 0x01])],
    ["same head, a field after the pixels overrides one in the head", bytes(head, pixels(4, 1), [0x08, 3, 0x28, 1])],
    ["same head, float_data after the pixels", bytes(head, pixels(4, 1), [0x35, 0, 0, 0x80, 0x3f])],
    ["same head, truncated pixels", bytes(head, pixels(3, 1))],
    ["other head", bytes([0x08, 3, 0x10, 1, 0x18, 1, 0x22, 3], pixels(3, 5), [0x28, 2])],
    ["same head again, encoded after the pixels", bytes([0x08, 3, 0x10, 1, 0x18, 1, 0x22, 3], pixels(3, 5), [0x38, 1])],
    ["no data field", bytes([0x08, 1, 0x28, 4])],
    ["broken tag after the head", bytes([0x08, 1, 0x28, 4, 0x07])],
    ["plain once more", bytes(head, pixels(4, 2), [0x28, 5])],
  ];

  it("gives the same fields and errors as decodeDatumFields, record after record", () => {
    const cache = newDatumHeadCache();
    for (const [name, record] of records) {
      // Place the record at an offset, as in a page, to check positions too.
      const buf = new Uint8Array([0xaa, 0xbb, ...record, 0xcc]);
      const plain = newDatumFields();
      const cached = newDatumFields();
      let plainError: unknown;
      let cachedError: unknown;
      try {
        decodeDatumFields(buf, 2, 2 + record.length, plain);
      } catch (e) {
        plainError = e;
      }
      try {
        decodeDatumFieldsCached(buf, 2, 2 + record.length, cached, cache);
      } catch (e) {
        cachedError = e;
      }
      expect(cachedError === undefined, name).toBe(plainError === undefined);
      if (plainError) expect(cachedError, name).toBeInstanceOf(DatumDecodeError);
      else expect(cached, name).toEqual(plain);
    }
  });

  it("reads records given as views into a larger buffer (as entries() yields them)", () => {
    const cache = newDatumHeadCache();
    const backing = new Uint8Array(3 + records.reduce((n, [, r]) => n + r.length, 0));
    let at = 3;
    for (const [name, record] of records) {
      backing.set(record, at);
      const view = backing.subarray(at, at + record.length);
      at += record.length;
      const plain = newDatumFields();
      const cached = newDatumFields();
      let plainError: unknown;
      let cachedError: unknown;
      try {
        decodeDatumFields(record, 0, record.length, plain);
      } catch (e) {
        plainError = e;
      }
      let plainHead = false;
      try {
        plainHead = decodeDatumFieldsCached(view, 0, view.length, cached, cache);
      } catch (e) {
        cachedError = e;
      }
      expect(cachedError === undefined, name).toBe(plainError === undefined);
      if (plainError === undefined) expect(cached, name).toEqual(plain);
      // The head is recognised inside the view, not at the start of its buffer.
      if (name === "same head, one-byte label") expect(plainHead).toBe(true);
    }
  });

  it("uses the cached head when the record starts with it", () => {
    const cache = newDatumHeadCache();
    const f = newDatumFields();
    decodeDatumFieldsCached(records[0]![1], 0, records[0]![1].length, f, cache);
    expect(cache.length).toBe(head.length);
    const next = records.find(([name]) => name === "same head, other pixels and label")![1];
    decodeDatumFieldsCached(next, 0, next.length, f, cache);
    expect(f).toMatchObject({ channels: 1, height: 2, width: 2, label: 129, dataStart: head.length, dataEnd: head.length + 4 });
  });
});

describe("scanDataset", () => {
  it("gives the same statistics through the cursor and through entries()", () => {
    const env = openLmdb(path.join(FIXTURES, "imbalanced200"));
    const viaCursor = scanDataset(env, { pixelSampleRecords: 50, seed: 3 });
    const viaEntries = scanDataset({ count: env.count, entries: () => env.entries() }, { pixelSampleRecords: 50, seed: 3 });
    expect(viaCursor).toEqual(viaEntries);
  });
});
