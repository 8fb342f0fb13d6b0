import { describe, expect, it } from "vitest";
import type { Finding, Severity } from "../../src/findings.js";
import { applySeverities, ruleOptions, type RuleLevel, type RuleSetting } from "../../src/config/index.js";

function finding(ruleId: string, severity: Severity): Finding {
  return { ruleId, severity, message: "m", file: "f", line: 1, column: 1, phases: [] };
}

describe("applySeverities", () => {
  it.each<[string, RuleLevel | undefined, Severity, Severity | "dropped"]>([
    ["unconfigured keeps its severity", undefined, "warning", "warning"],
    ["off drops the finding", "off", "error", "dropped"],
    ["error raises a warning", "error", "warning", "error"],
    ["info lowers an error", "info", "error", "info"],
    ["warning keeps a warning", "warning", "warning", "warning"],
  ])("%s", (_name, level, given, expected) => {
    const rules: Record<string, RuleSetting> = level === undefined ? {} : { "rule-a": { level, options: {} } };
    const out = applySeverities([finding("rule-a", given)], { rules });
    expect(out).toEqual(expected === "dropped" ? [] : [finding("rule-a", expected)]);
  });

  it("never turns off or re-levels a parse error", () => {
    const rules: Record<string, RuleSetting> = { "parse-error": { level: "off", options: {} } };
    expect(applySeverities([finding("parse-error", "error")], { rules })).toEqual([finding("parse-error", "error")]);
  });

  it("only touches the configured rule, and does not change its input", () => {
    const input = [finding("rule-a", "error"), finding("rule-b", "error")];
    const out = applySeverities(input, { rules: { "rule-b": { level: "info", options: {} } } });
    expect(out).toEqual([finding("rule-a", "error"), finding("rule-b", "info")]);
    expect(input[1].severity).toBe("error");
  });
});

describe("ruleOptions", () => {
  it("gives the configured options, or {}", () => {
    const config = { rules: { "rule-a": { level: "error" as const, options: { max: 3 } } } };
    expect(ruleOptions(config, "rule-a")).toEqual({ max: 3 });
    expect(ruleOptions(config, "rule-b")).toEqual({});
  });
});
