/** The JSON form of a diagnosed log, as reports embed it under `log`. */
import { lossFacts } from "./diagnose.js";
import type { JsonNumber, LogJson, LogVerdict, ParsedLog } from "./types.js";

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
  };
}
