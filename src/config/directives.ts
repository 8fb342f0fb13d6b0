/**
 * Inline directives in prototxt comments:
 *
 *   # bnlint-disable-next-line RULE[, RULE2] [-- reason]   the next line only
 *   # bnlint-disable-line RULE [-- reason]                  this comment's line
 *   # bnlint-disable RULE [-- reason]                       from here on ...
 *   # bnlint-enable RULE                                    ... until here (or end of file)
 *
 * No rule names means all rules. Rule names are separated by commas and/or
 * spaces. A block directive acts from its own position: a finding on the same
 * line but before the comment is not affected. Parse errors are never
 * suppressed. Comments that start with "bnlint-" but are not one of these are
 * reported, as are unknown rule names (rule `unknown-disable-directive`).
 */

import type { Comment } from "../prototxt/ast.js";
import type { Finding } from "../findings.js";
import { DIRECTIVE_RULE_ID, PARSE_ERROR_RULE_ID, UNUSED_DIRECTIVE_RULE_ID } from "./builtin-rules.js";
import { didYouMean } from "./suggest.js";

export type DirectiveKind = "disable" | "enable" | "disable-line" | "disable-next-line";

export interface Directive {
  kind: DirectiveKind;
  /** Rules named; empty for all rules. */
  ruleIds: string[];
  /** The text after " -- ", when given. */
  reason?: string;
  /** Position of the comment's '#'. */
  line: number;
  column: number;
}

/** A comment that looks like a directive but is not one. */
export interface MalformedDirective {
  text: string;
  line: number;
  column: number;
}

export interface ParsedDirectives {
  directives: Directive[];
  malformed: MalformedDirective[];
}

const DIRECTIVE_PATTERN = /^bnlint-(disable-next-line|disable-line|disable|enable)(?:\s+(.*))?$/s;
const LOOKS_LIKE_DIRECTIVE = /^bnlint-[a-z]/;
const REASON_SEPARATOR = /(?:^|\s)--(?:\s|$)/;

/** Reads the directives out of a document's comments (in source order). */
export function parseDirectives(comments: readonly Comment[]): ParsedDirectives {
  const directives: Directive[] = [];
  const malformed: MalformedDirective[] = [];
  for (const comment of comments) {
    const text = comment.text.trim();
    const { line, column } = comment.span.start;
    const match = DIRECTIVE_PATTERN.exec(text);
    if (match === null) {
      if (LOOKS_LIKE_DIRECTIVE.test(text)) malformed.push({ text, line, column });
      continue;
    }
    const rest = match[2] ?? "";
    const sep = REASON_SEPARATOR.exec(rest);
    const names = sep === null ? rest : rest.slice(0, sep.index);
    const reason = sep === null ? undefined : rest.slice(sep.index + sep[0].length).trim();
    const directive: Directive = {
      kind: match[1] as DirectiveKind,
      ruleIds: names.split(/[\s,]+/).filter((n) => n !== ""),
      line,
      column,
    };
    if (reason !== undefined && reason !== "") directive.reason = reason;
    directives.push(directive);
  }
  directives.sort((a, b) => a.line - b.line || a.column - b.column);
  return { directives, malformed };
}

function covers(d: Directive, ruleId: string): boolean {
  return d.ruleIds.length === 0 || d.ruleIds.includes(ruleId);
}

/**
 * The directive that switches off a finding of rule `ruleId` at (line, column),
 * if any: a line directive for that line first, else the last block directive
 * before the position that names the rule, when it is a disable.
 */
export function disablingDirective(ruleId: string, line: number, column: number, directives: readonly Directive[]): Directive | undefined {
  if (ruleId === PARSE_ERROR_RULE_ID) return undefined;
  const onLine = directives.find(
    (d) =>
      covers(d, ruleId) &&
      ((d.kind === "disable-line" && d.line === line) || (d.kind === "disable-next-line" && d.line + 1 === line)),
  );
  if (onLine !== undefined) return onLine;
  let decider: Directive | undefined;
  for (const d of directives) {
    if (d.kind !== "disable" && d.kind !== "enable") continue;
    const before = d.line < line || (d.line === line && d.column <= column);
    if (before && covers(d, ruleId)) decider = d;
  }
  return decider?.kind === "disable" ? decider : undefined;
}

/** Whether a finding of rule `ruleId` at (line, column) is switched off by the directives. */
export function isDisabled(ruleId: string, line: number, column: number, directives: readonly Directive[]): boolean {
  return disablingDirective(ruleId, line, column, directives) !== undefined;
}

/** The findings the directives leave: those not switched off at their reported line and column. */
export function applyDirectives(findings: readonly Finding[], directives: readonly Directive[]): Finding[] {
  if (directives.length === 0) return [...findings];
  return findings.filter((f) => !isDisabled(f.ruleId, f.line, f.column, directives));
}

/**
 * Findings about the directives themselves, in `file`: comments that start
 * like a directive but are none, and rule names that are not known.
 */
export function directiveFindings(parsed: ParsedDirectives, file: string, knownRuleIds: Iterable<string>): Finding[] {
  const known = [...knownRuleIds];
  const knownSet = new Set(known);
  const out: Finding[] = [];
  const directiveNames = ["bnlint-disable-next-line", "bnlint-disable-line", "bnlint-disable", "bnlint-enable"];
  for (const m of parsed.malformed) {
    const word = m.text.split(/\s/)[0];
    out.push({
      ruleId: DIRECTIVE_RULE_ID,
      severity: "warning",
      message: `Unknown directive "${word}"${didYouMean(word, directiveNames)}`,
      file,
      line: m.line,
      column: m.column,
      phases: [],
    });
  }
  for (const d of parsed.directives) {
    for (const id of d.ruleIds) {
      if (knownSet.has(id)) continue;
      out.push({
        ruleId: DIRECTIVE_RULE_ID,
        severity: "warning",
        message: `Unknown rule "${id}" in bnlint-${d.kind}${didYouMean(id, known)}`,
        file,
        line: d.line,
        column: d.column,
        phases: [],
      });
    }
  }
  return out;
}

/**
 * Findings for disable directives that switched nothing off, given the
 * findings before directives were applied: a directive without rule names
 * that covered no finding, or each named rule that had no finding to cover.
 * Rule names not in `knownRuleIds` are left to `directiveFindings`.
 */
export function unusedDirectiveFindings(
  findings: readonly Finding[],
  directives: readonly Directive[],
  file: string,
  knownRuleIds: Iterable<string>,
): Finding[] {
  const known = new Set(knownRuleIds);
  const used = new Map<Directive, Set<string>>();
  for (const f of findings) {
    const d = disablingDirective(f.ruleId, f.line, f.column, directives);
    if (d === undefined) continue;
    const rules = used.get(d) ?? new Set<string>();
    rules.add(f.ruleId);
    used.set(d, rules);
  }
  const out: Finding[] = [];
  const unused = (d: Directive, what: string): Finding => ({
    ruleId: UNUSED_DIRECTIVE_RULE_ID,
    severity: "warning",
    message: `Unused bnlint-${d.kind} directive (${what})`,
    file,
    line: d.line,
    column: d.column,
    phases: [],
  });
  for (const d of directives) {
    if (d.kind === "enable") continue;
    const hits = used.get(d);
    if (d.ruleIds.length === 0) {
      if (hits === undefined) out.push(unused(d, "no problems were switched off"));
      continue;
    }
    for (const id of d.ruleIds) {
      if (known.has(id) && !hits?.has(id)) out.push(unused(d, `no ${id} problems were switched off`));
    }
  }
  return out;
}
