/**
 * Rule docs cannot drift from code: every rule module is registered, the
 * table is sorted, each doc page has every heading filled, its example is
 * reported by the rule and its "use instead" is not.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { rules } from "../../rules/index.js";
import { lintWithRule } from "./rule-tester.js";

const RULES_DIR = path.resolve(fileURLToPath(new URL("../../rules", import.meta.url)));
/** Modules in rules/ that are shared helpers, not rules. */
const HELPERS = new Set(["index.ts", "types.ts", "fix.ts", "graph.ts", "solver-fields.ts", "datasets.ts"]);

describe("rule registry", () => {
  it("lists every rule module exactly once, sorted by id", () => {
    const modules = fs.readdirSync(RULES_DIR).filter((f) => f.endsWith(".ts") && !HELPERS.has(f)).map((f) => f.replace(/\.ts$/, "")).sort();
    const ids = rules.map((r) => r.meta.id);
    expect(ids).toEqual([...ids].sort());
    expect(ids).toEqual(modules);
  });

  it("names rules after the bad pattern, never 'no-' or 'disallow'", () => {
    for (const r of rules) expect(r.meta.id).toMatch(/^(?!no-|disallow)[a-z0-9]+(-[a-z0-9]+)*$/);
  });
});

describe.each(rules.map((r) => [r.meta.id, r] as const))("docs of %s", (_id, rule) => {
  const docs = rule.meta.docs;
  it("fills every heading", () => {
    for (const key of ["whatItDoes", "whyIsThisBad", "example", "useInstead", "options", "fixSafety"] as const) {
      expect(docs[key].trim().length, key).toBeGreaterThan(3);
    }
    expect(docs.references.length).toBeGreaterThan(0);
    expect(rule.meta.description).not.toMatch(/\.$/);
  });
  it("reports its example", () => {
    const { findings, all } = lintWithRule(rule, { code: docs.example, kind: docs.exampleKind });
    expect(all.filter((f) => f.ruleId === "parse-error")).toEqual([]);
    expect(findings.length).toBeGreaterThan(0);
  });
  it("reports nothing on its 'use instead'", () => {
    const { findings, all } = lintWithRule(rule, { code: docs.useInstead, kind: docs.exampleKind });
    expect(all.filter((f) => f.ruleId === "parse-error")).toEqual([]);
    expect(findings).toEqual([]);
  });
  it("has a message template for every message id, each a full sentence without a trailing period", () => {
    for (const [id, template] of Object.entries(rule.meta.messages)) {
      expect(template.length, id).toBeGreaterThan(20);
      expect(template.endsWith("."), id).toBe(false);
    }
  });
});
