/** The allocation-free paths agree with the plain ones. */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { decodeDatum, decodeDatumFields, datumFloats, encodeDatum, newDatumFields } from "../../src/load/datum.js";
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

describe("scanDataset", () => {
  it("gives the same statistics through the cursor and through entries()", () => {
    const env = openLmdb(path.join(FIXTURES, "imbalanced200"));
    const viaCursor = scanDataset(env, { pixelSampleRecords: 50, seed: 3 });
    const viaEntries = scanDataset({ count: env.count, entries: () => env.entries() }, { pixelSampleRecords: 50, seed: 3 });
    expect(viaCursor).toEqual(viaEntries);
  });
});
