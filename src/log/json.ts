/** The JSON form of a diagnosed log, as reports embed it under `log`. */
import { lossFacts } from "./diagnose.js";
import type { JsonNumber, LogJson, LogVerdict, NonFiniteRow, ParsedLog } from "./types.js";

/** Rows shown before and after the first non-finite value in the table around it. */
const ROWS_BEFORE_FIRST_NON_FINITE = 10;
const ROWS_AFTER_FIRST_NON_FINITE = 4;

/** The debug_info values of the first non-finite iteration beside the iteration before, in log order. */
function nonFiniteTable(log: ParsedLog): NonFiniteRow[] | undefined {
  const first = log.firstNonFiniteDebug;
  if (!first) return undefined;
  const at = log.debugBlocks.find((b) => b.iteration === first.iteration);
  if (!at) return undefined;
  const before = [...log.debugBlocks].reverse().find((b) => b.iteration < first.iteration);
  const key = (e: { pass: string; layer: string; kind: string; blob: string; field: string }) => `${e.pass}|${e.layer}|${e.kind}|${e.blob}|${e.field}`;
  const previous = new Map((before?.entries ?? []).map((e) => [key(e), e.value]));
  const index = at.entries.findIndex((e) => e.line === first.line);
  const end = index < 0 ? at.entries.length : Math.min(at.entries.length, index + 1 + ROWS_AFTER_FIRST_NON_FINITE);
  const start = index < 0 ? 0 : Math.max(0, index - ROWS_BEFORE_FIRST_NON_FINITE);
  return at.entries.slice(start, end).map((e) => {
    const prev = previous.get(key(e));
    return { line: e.line, pass: e.pass, layer: e.layer, blob: e.blob, field: e.field, before: prev === undefined ? null : toJsonNumber(prev), at: toJsonNumber(e.value) };
  });
}

/** A number for JSON: non-finite values become "nan", "inf", "-inf" (JSON has no NaN). */
export function toJsonNumber(v: number): JsonNumber {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

function column(values: readonly (number | null)[]): (JsonNumber | null)[] {
  return values.map((v) => (v === null || v === undefined ? null : toJsonNumber(v)));
}

/**
 * Builds the report's `log` object. Missing values (not printed) are null; printed non-finite values are
 * the strings "nan", "inf", "-inf".
 */
export function logToJson(file: string, log: ParsedLog, verdicts: LogVerdict[]): LogJson {
  const s = log.series;
  const trainOutputs: Record<string, (JsonNumber | null)[]> = {};
  for (const [name, col] of Object.entries(s.trainOutputs)) trainOutputs[name] = column(col);
  return {
    file,
    verdicts,
    series: {
      iterations: [...s.iterations],
      loss: column(s.loss),
      lr: column(s.lr),
      trainOutputs,
      testOutputs: s.testOutputs.map((t) => ({
        iteration: t.iteration,
        net: t.net,
        line: t.line,
        outputs: Object.fromEntries(Object.entries(t.outputs).map(([k, v]) => [k, toJsonNumber(v)])),
      })),
    },
    lineCount: log.lineCount,
    restarts: log.restarts,
    unterminatedLastLine: log.unterminatedLastLine,
    hasDebugInfo: log.hasDebugInfo,
    net: (() => {
      const facts = lossFacts(log);
      const single = facts.softmaxTops.length === 1 ? facts.softmaxTops[0]! : null;
      return { batchSize: facts.batchSize, classes: single ? single.classes : null };
    })(),
    layerSummaries: log.layerSummaries.map((x) => ({ ...x, first: toJsonNumber(x.first), last: toJsonNumber(x.last) })),
    ...(() => {
      const table = nonFiniteTable(log);
      return table ? { nonFiniteTable: table } : {};
    })(),
  };
}
