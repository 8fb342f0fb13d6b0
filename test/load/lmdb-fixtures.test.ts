/**
 * The reader on the committed fixtures written by the reference mdb_load
 * (fixtures/lmdb): always available, unlike ../shared.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { decodeDatum } from "../../src/load/datum.js";
import { openLmdb } from "../../src/load/lmdb/index.js";
import { recordsDigest } from "./helpers.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const FIXTURES = path.join(REPO, "fixtures/lmdb");

interface FixtureExpectation {
  count: number;
  first_keys: string[];
  records_sha256: string;
  labels_in_key_order: number[];
  shape_chw: number[];
}
const NAMES = ["mnist40", "one_based40", "sorted40", "overflow3", "imbalanced200", "random_insert600"];

describe("LMDB reader on fixtures written by mdb_load", () => {
  for (const name of NAMES) {
    it(name, () => {
      const exp = JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.expected.json`), "utf8")) as FixtureExpectation;
      const env = openLmdb(path.join(FIXTURES, name));
      expect(env.count).toBe(exp.count);
      const entries = Array.from(env.entries(), (e) => ({ key: e.key.slice(), value: e.value.slice() }));
      expect(entries.slice(0, 3).map((e) => Buffer.from(e.key).toString())).toEqual(exp.first_keys);
      expect(recordsDigest(entries).sha256).toBe(exp.records_sha256);
      const datums = entries.map((e) => decodeDatum(e.value));
      expect(datums.map((d) => d.label)).toEqual(exp.labels_in_key_order);
      for (const d of datums) {
        expect([d.channels, d.height, d.width]).toEqual(exp.shape_chw);
        expect(d.data?.length).toBe(exp.shape_chw[0]! * exp.shape_chw[1]! * exp.shape_chw[2]!);
      }
    });
  }
});
