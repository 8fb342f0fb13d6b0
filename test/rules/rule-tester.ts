/**
 * A strict table tester for rules, after ESLint's RuleTester: every invalid
 * case must report exactly the listed findings (message id, position, data),
 * a case whose findings carry edits must give the fixed output, and valid
 * cases must report nothing from the rule under test.
 */
import { describe, expect, it } from "vitest";
import type { Rule } from "../../rules/types.js";
import type { Finding } from "../../src/findings.js";
import { applyEdits } from "../../src/lint/apply-edits.js";
import { formatMessage } from "../../src/lint/run-rules.js";
import { lintText } from "../../src/lint/lint.js";
import { memoryFiles } from "../../src/load/files.js";

export interface ValidCase {
  code: string;
  kind?: "net" | "solver";
  /** Other files the code names (a solver's net), by relative path. */
  files?: Record<string, string>;
  weights?: string;
  options?: Record<string, unknown>;
  name?: string;
}

export interface ExpectedError {
  messageId: string;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  data?: Record<string, string | number>;
  severity?: Finding["severity"];
  /** File of the finding, when not the linted one. */
  file?: string;
}

export interface InvalidCase extends ValidCase {
  errors: ExpectedError[];
  /** The text after applying every fix's edits (required when a finding has edits). */
  output?: string;
}

const FILE = "model.prototxt";
const SOLVER_FILE = "solver.prototxt";

/** A small trainable net for solver cases to point at. */
export const SIMPLE_TRAIN_NET = `layer { name: "data" type: "Data" top: "data" top: "label" include { phase: TRAIN }
  transform_param { scale: 0.00390625 } data_param { source: "train_lmdb" backend: LMDB batch_size: 64 } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" convolution_param { num_output: 20 kernel_size: 5 weight_filler { type: "xavier" } } }
layer { name: "ip1" type: "InnerProduct" bottom: "conv1" top: "ip1" inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip1" bottom: "label" top: "loss" }
`;

export function lintWithRule(rule: Rule, c: ValidCase): { findings: Finding[]; all: Finding[] } {
  const file = c.kind === "solver" ? SOLVER_FILE : FILE;
  const files = memoryFiles({ "train_val.prototxt": SIMPLE_TRAIN_NET, ...c.files, [file]: c.code });
  const outcome = lintText(c.code, file, {
    files,
    rules: [rule],
    ...(c.weights ? { weights: c.weights } : {}),
    config: { rules: { [rule.meta.id]: { level: rule.meta.defaultSeverity, options: c.options ?? {} } }, probe: {} },
  });
  return { findings: outcome.findings.filter((f) => f.ruleId === rule.meta.id), all: outcome.findings };
}

export function ruleTester(rule: Rule, cases: { valid: (string | ValidCase)[]; invalid: InvalidCase[] }): void {
  describe(rule.meta.id, () => {
    cases.valid.forEach((v, i) => {
      const c = typeof v === "string" ? { code: v } : v;
      it(`valid #${i + 1}${c.name ? `: ${c.name}` : ""}`, () => {
        const { findings, all } = lintWithRule(rule, c);
        expect(all.filter((f) => f.ruleId === "parse-error")).toEqual([]);
        expect(findings).toEqual([]);
      });
    });
    cases.invalid.forEach((c, i) => {
      it(`invalid #${i + 1}${c.name ? `: ${c.name}` : ""}`, () => {
        const { findings, all } = lintWithRule(rule, c);
        expect(all.filter((f) => f.ruleId === "parse-error")).toEqual([]);
        expect(findings.length, `findings: ${JSON.stringify(findings.map((f) => f.message))}`).toBe(c.errors.length);
        const sorted = [...findings].sort((a, b) => a.line - b.line || a.column - b.column);
        c.errors.forEach((e, k) => {
          const f = sorted[k]!;
          expect({ line: f.line, column: f.column }).toEqual({ line: e.line, column: e.column });
          if (e.endLine !== undefined) expect({ endLine: f.endLine, endColumn: f.endColumn }).toEqual({ endLine: e.endLine, endColumn: e.endColumn });
          const template = (rule.meta.messages as Record<string, string>)[e.messageId];
          expect(template, `message id ${e.messageId}`).toBeDefined();
          if (e.data) expect(f.message).toBe(formatMessage(template!, e.data));
          else expect(messageMatches(template!, f.message), `'${f.message}' is not message ${e.messageId}`).toBe(true);
          if (e.severity) expect(f.severity).toBe(e.severity);
          if (e.file) expect(f.file).toMatch(new RegExp(`${e.file.replace(".", "\\.")}$`));
        });
        const edits = findings.flatMap((f) => f.fix?.edits ?? []);
        if (edits.length > 0) {
          expect(c.output, "a case whose findings carry edits must give the fixed output").toBeDefined();
          // Only the linted file's edits apply to its text (a solver case may also fix the net it names).
          const file = c.kind === "solver" ? SOLVER_FILE : FILE;
          expect(applyEdits(c.code, edits.filter((e) => e.file === file))).toBe(c.output);
        } else {
          expect(c.output).toBeUndefined();
        }
      });
    });
  });
}

/** Whether a message was produced from a template (placeholders match anything). */
function messageMatches(template: string, message: string): boolean {
  const pattern = template.split(/\{\{\s*\w+\s*\}\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("[\\s\\S]*");
  return new RegExp(`^${pattern}$`).test(message);
}
