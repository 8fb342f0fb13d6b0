import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/findings.js";
import type { Comment } from "../../src/prototxt/ast.js";
import { applyDirectives, directiveFindings, parseDirectives, unusedDirectiveFindings } from "../../src/config/index.js";

/** The `#` comments of a small source (no '#' inside strings in these tests), with 1-based positions. */
function commentsOf(source: string): Comment[] {
  const out: Comment[] = [];
  let offset = 0;
  source.split("\n").forEach((text, i) => {
    const at = text.indexOf("#");
    if (at >= 0) {
      const start = { line: i + 1, column: at + 1, offset: offset + at };
      const end = { line: i + 1, column: text.length + 1, offset: offset + text.length };
      out.push({ text: text.slice(at + 1), span: { start, end } });
    }
    offset += text.length + 1;
  });
  return out;
}

function finding(ruleId: string, line: number, column = 3): Finding {
  return { ruleId, severity: "error", message: `${ruleId}@${line}:${column}`, file: "net.prototxt", line, column, phases: [] };
}

describe("parseDirectives", () => {
  it.each([
    ["bnlint-disable-next-line rule-a, rule-b -- frozen for fine-tuning", "disable-next-line", ["rule-a", "rule-b"], "frozen for fine-tuning"],
    [" bnlint-disable", "disable", [], undefined],
    ["bnlint-enable rule-a rule-b", "enable", ["rule-a", "rule-b"], undefined],
    ["bnlint-disable -- whole file is generated", "disable", [], "whole file is generated"],
    ["bnlint-disable-line rule-a,rule-b--x", "disable-line", ["rule-a", "rule-b--x"], undefined],
    ["bnlint-disable-next-line   rule-a  --  ", "disable-next-line", ["rule-a"], undefined],
  ])("%j", (text, kind, ruleIds, reason) => {
    const { directives, malformed } = parseDirectives([{ text, span: { start: { line: 4, column: 2, offset: 0 }, end: { line: 4, column: 40, offset: 38 } } }]);
    expect(malformed).toEqual([]);
    expect(directives).toHaveLength(1);
    expect(directives[0]).toEqual({ kind, ruleIds, line: 4, column: 2, ...(reason === undefined ? {} : { reason }) });
  });

  it.each([
    ["bnlint-disable-nextline rule-a", true],
    ["bnlint-disabled", true],
    ["bnlint-ignore rule-a", true],
    ["some bnlint-disable", false],
    ["bnlintdisable", false],
    [" use_global_stats must stay true here", false],
  ])("%j is no directive (reported as malformed: %s)", (text, isMalformed) => {
    const { directives, malformed } = parseDirectives([{ text, span: { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 9, offset: 8 } } }]);
    expect(directives).toEqual([]);
    expect(malformed.length).toBe(isMalformed ? 1 : 0);
  });
});

describe("applyDirectives", () => {
  const source = [
    /* 1 */ "layer {",
    /* 2 */ "  # bnlint-disable-next-line rule-a -- frozen",
    /* 3 */ "  x: 1",
    /* 4 */ "  y: 2  # bnlint-disable-line",
    /* 5 */ "}",
    /* 6 */ "# bnlint-disable rule-b",
    /* 7 */ "z: 3",
    /* 8 */ "# bnlint-enable rule-b",
    /* 9 */ "w: 4  # bnlint-disable rule-c",
    /* 10 */ "v: 5",
  ].join("\n");
  const { directives } = parseDirectives(commentsOf(source));

  it.each([
    ["next-line hits the named rule on the next line", finding("rule-a", 3), false],
    ["next-line spares other rules", finding("rule-b", 3), true],
    ["next-line does not reach two lines down", finding("rule-a", 5), true],
    ["disable-line with no names hits every rule on its line", finding("rule-z", 4), false],
    ["a block disable hits its rule inside the block", finding("rule-b", 7), false],
    ["a block disable spares other rules", finding("rule-a", 7), true],
    ["enable ends the block", finding("rule-b", 9), true],
    ["a block runs from its comment's position", finding("rule-c", 9, 12), false],
    ["not before the comment on the same line", finding("rule-c", 9, 1), true],
    ["an unclosed block runs to the end of the file", finding("rule-c", 10), false],
    ["parse errors are never suppressed", finding("parse-error", 4), true],
  ])("%s", (_name, f, kept) => {
    expect(applyDirectives([f], directives)).toEqual(kept ? [f] : []);
  });

  it("disable-all then enable one re-enables only that one", () => {
    const { directives: d } = parseDirectives(commentsOf("# bnlint-disable\na: 1\n# bnlint-enable rule-a\nb: 2"));
    const findings = [finding("rule-a", 2), finding("rule-a", 4), finding("rule-b", 4)];
    expect(applyDirectives(findings, d)).toEqual([finding("rule-a", 4)]);
  });

  it("disable one then enable all re-enables it", () => {
    const { directives: d } = parseDirectives(commentsOf("# bnlint-disable rule-a\na: 1\n# bnlint-enable\nb: 2"));
    expect(applyDirectives([finding("rule-a", 2), finding("rule-a", 4)], d)).toEqual([finding("rule-a", 4)]);
  });

  it("keeps everything without directives", () => {
    const findings = [finding("rule-a", 1), finding("rule-b", 2)];
    expect(applyDirectives(findings, [])).toEqual(findings);
  });
});

describe("directiveFindings", () => {
  const known = ["bn-global-stats-phase", "base-lr-too-high"];
  it.each([
    ["# bnlint-disable-next-line bn-global-stats-phase", []],
    [
      "# bnlint-disable-next-line bn-global-stat-phase",
      ['Unknown rule "bn-global-stat-phase" in bnlint-disable-next-line (did you mean "bn-global-stats-phase"?)'],
    ],
    ["# bnlint-enable nothing-like-it", ['Unknown rule "nothing-like-it" in bnlint-enable']],
    ["# bnlint-disable-nextline base-lr-too-high", ['Unknown directive "bnlint-disable-nextline" (did you mean "bnlint-disable-next-line"?)']],
    ["# bnlint-disable", []],
  ])("%j", (source, messages) => {
    const out = directiveFindings(parseDirectives(commentsOf(`a: 1\n${source}`)), "net.prototxt", known);
    expect(out.map((f) => f.message)).toEqual(messages);
    for (const f of out) expect(f).toMatchObject({ ruleId: "unknown-disable-directive", severity: "warning", file: "net.prototxt", line: 2, column: 1 });
  });
});

describe("unusedDirectiveFindings", () => {
  const known = ["rule-a", "rule-b"];
  it.each<[string, string, Finding[], string[]]>([
    ["a used next-line directive", "# bnlint-disable-next-line rule-a\nx: 1", [finding("rule-a", 2)], []],
    ["a next-line directive with nothing below", "# bnlint-disable-next-line rule-a\nx: 1", [finding("rule-a", 3)], ["Unused bnlint-disable-next-line directive (no rule-a problems were switched off)"]],
    ["one of two named rules unused", "# bnlint-disable-next-line rule-a, rule-b\nx: 1", [finding("rule-b", 2)], ["Unused bnlint-disable-next-line directive (no rule-a problems were switched off)"]],
    ["an all-rules line directive that covered nothing", "x: 1  # bnlint-disable-line", [], ["Unused bnlint-disable-line directive (no problems were switched off)"]],
    ["a used block", "# bnlint-disable rule-b\nx: 1\n# bnlint-enable rule-b", [finding("rule-b", 2)], []],
    ["a block closed before its finding", "# bnlint-disable rule-b\n# bnlint-enable rule-b\nx: 1", [finding("rule-b", 3)], ["Unused bnlint-disable directive (no rule-b problems were switched off)"]],
    ["a block shadowed by a line directive", "# bnlint-disable rule-a\nx: 1  # bnlint-disable-line rule-a", [finding("rule-a", 2)], ["Unused bnlint-disable directive (no rule-a problems were switched off)"]],
    ["unknown names are left to directiveFindings", "# bnlint-disable-next-line rule-zzz\nx: 1", [], []],
  ])("%s", (_name, source, findings, messages) => {
    const { directives } = parseDirectives(commentsOf(source));
    const out = unusedDirectiveFindings(findings, directives, "net.prototxt", known);
    expect(out.map((f) => f.message)).toEqual(messages);
    for (const f of out) expect(f).toMatchObject({ ruleId: "unused-disable-directive", severity: "warning", file: "net.prototxt" });
  });
});
