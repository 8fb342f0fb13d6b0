import { describe, expect, it } from "vitest";
import type { Finding, LintReport } from "../../src/findings.js";
import { compareFindings, finalizeReport, reportTotals, sortFindings } from "../../src/report/index.js";
import { CONFIRMED, FIXABLE, INFO, NET, PARSE_ERROR, RULES, SOLVER, WARNING } from "./fixtures.js";

function at(file: string, line: number, column: number, severity: Finding["severity"], ruleId = "r"): Finding {
  return { ruleId, severity, message: "m", file, line, column, phases: [] };
}

describe("sortFindings", () => {
  // Each row: [what decides, the finding that must come first, the one after it].
  it.each([
    ["file first", at("a", 9, 9, "info"), at("b", 1, 1, "error")],
    ["then line", at("a", 2, 1, "info"), at("a", 10, 1, "error")],
    ["then column", at("a", 2, 3, "info"), at("a", 2, 12, "error")],
    ["then severity, errors first", at("a", 2, 3, "error"), at("a", 2, 3, "warning")],
    ["warnings before infos", at("a", 2, 3, "warning"), at("a", 2, 3, "info")],
    ["then rule id", at("a", 2, 3, "error", "alpha"), at("a", 2, 3, "error", "beta")],
  ])("%s", (_name, first, second) => {
    expect(sortFindings([second, first])).toEqual([first, second]);
    expect(sortFindings([first, second])).toEqual([first, second]);
    expect(compareFindings(first, second)).toBeLessThan(0);
    expect(compareFindings(second, first)).toBeGreaterThan(0);
  });

  it("does not reorder its input", () => {
    const input = [at("a", 5, 1, "error"), at("a", 1, 1, "error")];
    sortFindings(input);
    expect(input[0].line).toBe(5);
  });
});

describe("finalizeReport", () => {
  const messy: LintReport = {
    tool: { name: "bnlint", version: "0.1.0" },
    results: [
      { file: NET, findings: [CONFIRMED, INFO], errorCount: 99, warningCount: 99, infoCount: 99 },
      { file: SOLVER, findings: [WARNING, PARSE_ERROR], errorCount: 0, warningCount: 0, infoCount: 0 },
      { file: NET, findings: [FIXABLE], errorCount: 0, warningCount: 0, infoCount: 0 },
    ],
    rules: [...RULES, RULES[0]],
  };
  const report = finalizeReport(messy);

  it("merges results of the same file and sorts files by path", () => {
    expect(report.results.map((r) => r.file)).toEqual([SOLVER, NET]);
  });

  it("sorts findings by line within each file", () => {
    expect(report.results[1].findings).toEqual([INFO, FIXABLE, CONFIRMED]);
    expect(report.results[0].findings).toEqual([PARSE_ERROR, WARNING]);
  });

  it("recounts by severity, ignoring the counts it was given", () => {
    expect(report.results.map((r) => [r.errorCount, r.warningCount, r.infoCount])).toEqual([
      [1, 1, 0],
      [2, 0, 1],
    ]);
  });

  it("lists each rule once, sorted by id", () => {
    expect(report.rules.map((r) => r.id)).toEqual([
      "base-lr-too-high",
      "bn-global-stats-phase",
      "redundant-scale-bias",
      "step-without-stepsize",
    ]);
  });

  it("totals errors, fixable (edits only) and confirmed findings", () => {
    expect(reportTotals(report)).toEqual({
      errorCount: 3,
      warningCount: 1,
      infoCount: 1,
      fixableErrorCount: 1,
      fixableWarningCount: 0,
      fixableInfoCount: 0,
      confirmedCount: 1,
      fileCount: 2,
    });
  });

  it("leaves the sections other stages filled untouched", () => {
    const probe = { verdict: "ok", losses: [1] };
    expect(finalizeReport({ ...messy, probe }).probe).toBe(probe);
  });
});
