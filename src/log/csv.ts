/** CSV export of a log's series, for plotting in other tools. */
import type { LogSeries } from "./types.js";

/** Writes a number as it reads back exactly; non-finite values as nan, inf, -inf; missing as empty. */
function cell(v: number | null | undefined): string {
  if (v === null || v === undefined) return "";
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  return String(v);
}

function quote(name: string): string {
  return /[",\n\r]/.test(name) ? `"${name.replace(/"/g, '""')}"` : name;
}

/**
 * One row per displayed iteration (log order, so a restart shows as iterations going back):
 * `iteration,loss,lr,train:<output>...,test<k>:<output>...`. A test phase's values sit on the row of
 * its iteration (a row of its own when that iteration had no display). Ends with a newline.
 */
export function seriesToCsv(series: LogSeries): string {
  const trainNames = Object.keys(series.trainOutputs);
  const testNames: string[] = [];
  for (const t of series.testOutputs) {
    for (const name of Object.keys(t.outputs)) {
      const key = `test${t.net}:${name}`;
      if (!testNames.includes(key)) testNames.push(key);
    }
  }
  const header = ["iteration", "loss", "lr", ...trainNames.map((n) => `train:${n}`), ...testNames].map(quote).join(",");
  // Test phases by iteration; each is used once, on the last row of that iteration before the next test.
  const pendingTests = new Map<number, Map<string, number>>();
  for (const t of series.testOutputs) {
    let m = pendingTests.get(t.iteration);
    if (!m) pendingTests.set(t.iteration, (m = new Map()));
    for (const [name, v] of Object.entries(t.outputs)) m.set(`test${t.net}:${name}`, v);
  }
  const rows: string[] = [header];
  const testCells = (it: number): string[] => {
    const m = pendingTests.get(it);
    if (m) pendingTests.delete(it);
    return testNames.map((k) => cell(m?.get(k)));
  };
  for (let i = 0; i < series.iterations.length; i++) {
    const it = series.iterations[i]!;
    rows.push([String(it), cell(series.loss[i]), cell(series.lr[i]), ...trainNames.map((n) => cell(series.trainOutputs[n]![i])), ...testCells(it)].join(","));
  }
  // Test phases at iterations that had no display line (e.g. the final test after max_iter).
  for (const it of [...pendingTests.keys()].sort((a, b) => a - b)) {
    rows.push([String(it), "", "", ...trainNames.map(() => ""), ...testCells(it)].join(","));
  }
  return rows.join("\n") + "\n";
}
