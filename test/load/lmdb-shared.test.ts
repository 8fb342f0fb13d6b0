/**
 * The reader against LMDB environments written by the reference LMDB 0.9
 * library (../shared/datasets): counts, first keys and a digest of every
 * record must match what the reference wrote; foreign files must be refused
 * with a typed error.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { LmdbError, openLmdb } from "../../src/load/lmdb/index.js";
import { recordsDigest } from "./helpers.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const SHARED = path.resolve(REPO, "../shared");
const DATASETS = path.join(SHARED, "datasets");
const haveShared = fs.existsSync(DATASETS);
if (!haveShared) console.warn("../shared absent: skipping the reader tests on reference LMDB environments");

interface Expected {
  path: string;
  count: number;
  first_keys: string[];
  last_key: string | null;
  records_sha256: string;
}

const expectedFiles = haveShared ? fs.readdirSync(DATASETS).filter((f) => f.endsWith(".expected.json")) : [];
const readable = expectedFiles
  .map((f) => JSON.parse(fs.readFileSync(path.join(DATASETS, f), "utf8")) as Expected & { records_sha256?: string })
  .filter((e) => typeof e.records_sha256 === "string");

describe.skipIf(!haveShared)("LMDB reader on reference environments (skipped when ../shared absent)", () => {
  it("finds the reference environments", () => {
    expect(readable.length).toBeGreaterThanOrEqual(10);
  });

  for (const exp of readable) {
    it(`reads ${exp.path} byte-exactly`, () => {
      const env = openLmdb(path.join(DATASETS, exp.path));
      expect(env.count).toBe(exp.count);
      const keys: string[] = [];
      let last: string | null = null;
      const digest = recordsDigest(
        (function* () {
          for (const e of env.entries()) {
            const k = Buffer.from(e.key).toString("utf8");
            if (keys.length < exp.first_keys.length) keys.push(k);
            last = k;
            yield e;
          }
        })(),
      );
      expect(digest.count).toBe(exp.count);
      expect(keys).toEqual(exp.first_keys);
      expect(last).toBe(exp.last_key);
      expect(digest.sha256).toBe(exp.records_sha256);
    });
  }

  it("reads a single-file environment as a file path", () => {
    const env = openLmdb(path.join(DATASETS, "single_file.mdb"));
    expect(env.layout).toBe("single-file");
    expect(env.count).toBe(100);
  });

  it("refuses the v2 format with a clear typed error", () => {
    const run = () => [...openLmdb(path.join(DATASETS, "lmdbjs_v2_format")).entries()];
    expect(run).toThrow(LmdbError);
    expect(run).toThrow(/format v2/);
    try {
      run();
    } catch (e) {
      expect((e as LmdbError).code).toBe("v2-format");
    }
  });

  it("refuses random bytes as not an LMDB environment", () => {
    try {
      [...openLmdb(path.join(DATASETS, "not_lmdb")).entries()];
      expect.unreachable("should have thrown");
    } catch (e) {
      expect(e).toBeInstanceOf(LmdbError);
      expect((e as LmdbError).code).toBe("not-lmdb");
      expect((e as Error).message).toMatch(/not an LMDB environment/);
    }
  });

  it("does not create lock.mdb or any other file", () => {
    const before = fs.readdirSync(path.join(DATASETS, "mnist_like")).sort();
    [...openLmdb(path.join(DATASETS, "mnist_like")).entries()];
    expect(fs.readdirSync(path.join(DATASETS, "mnist_like")).sort()).toEqual(before);
  });
});
