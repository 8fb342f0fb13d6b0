/**
 * The log section as src/log really writes it, for every example log in
 * fixtures/logs: valid against schema/report.schema.json through the json
 * reporter, and rendered by stylish with each verdict and the loss curve.
 */

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { diagnoseLogFile } from "../../src/log/index.js";
import { json, stylish } from "../../src/report/index.js";
import { emptyReport } from "./fixtures.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const LOGS = path.join(REPO, "fixtures/logs");
const logFiles = fs.existsSync(LOGS) ? fs.readdirSync(LOGS).filter((f) => f.endsWith(".log")).sort() : [];

describe("report of a real log section", () => {
  const validate = new Ajv({ allErrors: true }).compile(JSON.parse(fs.readFileSync(path.join(REPO, "schema/report.schema.json"), "utf8")));

  it("has example logs to read", () => {
    expect(logFiles.length).toBeGreaterThan(0);
  });

  it.each(logFiles)("%s", async (name) => {
    const { json: log } = await diagnoseLogFile(path.join(LOGS, name));
    const report = { ...emptyReport(), log };
    const ok = validate(JSON.parse(json(report, { color: false, cwd: REPO })));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    const text = stylish(report, { color: false, cwd: REPO }).split("\n");
    expect(text[0]).toBe(`Log fixtures/logs/${name}`);
    for (const v of log.verdicts) expect(text.some((l) => l.startsWith(`  ${v.verdict}`) && l.includes(v.message))).toBe(true);
    if (log.series.loss.some((v) => v !== null)) expect(text.some((l) => l.startsWith("  loss "))).toBe(true);
  });
});
