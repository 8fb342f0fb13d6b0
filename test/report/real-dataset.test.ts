/**
 * The datasets section as the dataset scan really writes it, for the LMDB
 * fixtures: valid against schema/report.schema.json through the json reporter,
 * and summarised by stylish on one line each.
 */

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { scanDataset } from "../../src/load/dataset-stats.js";
import { json, stylish } from "../../src/report/index.js";
import { emptyReport } from "./fixtures.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const LMDB = path.join(REPO, "fixtures/lmdb");
const NAMES = ["mnist40", "imbalanced200", "one_based40"].filter((n) => fs.existsSync(path.join(LMDB, n)));

describe("report of real dataset scans", () => {
  const validate = new Ajv({ allErrors: true }).compile(JSON.parse(fs.readFileSync(path.join(REPO, "schema/report.schema.json"), "utf8")));

  it("has LMDB fixtures to scan", () => {
    expect(NAMES.length).toBeGreaterThan(0);
  });

  it("validates and renders one line per dataset", () => {
    const datasets = NAMES.map((name) => ({ source: path.join(LMDB, name), backend: "lmdb", phase: "TRAIN", ...scanDataset(path.join(LMDB, name)) }));
    const report = { ...emptyReport(), datasets };
    const ok = validate(JSON.parse(json(report, { color: false, cwd: REPO })));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    const lines = stylish(report, { color: false, cwd: REPO }).trimEnd().split("\n");
    expect(lines[0]).toBe("Datasets");
    expect(lines).toHaveLength(NAMES.length + 1);
    NAMES.forEach((name, i) => {
      const d = datasets[i];
      const line = lines[i + 1];
      expect(line.startsWith(`  fixtures/lmdb/${name} `)).toBe(true);
      expect(line).toContain(` ${d.count} items `);
      if (d.shape.chw !== null) expect(line).toContain(d.shape.chw.join("×"));
      expect(line).toContain(`${d.labels.distinct} distinct`);
      expect(line.endsWith(d.labelOrder.verdict)).toBe(true);
    });
  });
});
