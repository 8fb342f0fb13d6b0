/**
 * Minimal typed views of the report sections that other stages fill
 * (`datasets`, `probe`, `log`; typed `unknown` in the contract). Each reader
 * takes whatever is there and keeps only fields of the expected type, so a
 * reporter never throws on a section it does not fully understand.
 */

/**
 * A loss series: numbers (NaN and ±Infinity kept as such), null where no value
 * was recorded. In JSON, non-finite values are the strings "nan", "inf", "-inf".
 */
export type LossSeries = (number | null)[];

export interface DatasetView {
  /** Where the data comes from (path, or path plus backend). */
  source: string;
  backend?: string;
  phase?: string;
  count?: number;
  /** Shape of one item, e.g. [3, 32, 32]. */
  shape?: number[];
  /** What is known about the labels, already phrased ("0–9, 10 distinct"). */
  labels?: string;
  /** How records are stored (bytes, float, encoded images...). */
  storage?: string;
  /** Whether labels come in random order ("shuffled", "unshuffled", "undetermined"). */
  order?: string;
  /** Range of the sampled pixel values, phrased ("0–255"). */
  pixels?: string;
}

export interface FirstNonFiniteView {
  iteration?: number;
  layer?: string;
  blob?: string;
  pass?: string;
}

export interface FixRunView {
  fix: string;
  verdict: string;
  losses: LossSeries;
}

export interface ProbeView {
  verdict: string;
  losses: LossSeries;
  firstNonFinite?: FirstNonFiniteView;
  fixRuns: FixRunView[];
  /** Sentences behind the verdict. */
  evidence: string[];
  /** How the probe ran (batch, data, reductions), phrased. */
  settings?: string;
}

/** A probe that did not run, and why. */
export interface SkippedProbeView {
  skipped: string;
}

export interface LogVerdictView {
  verdict: string;
  iteration?: number;
  message?: string;
  /** Quoted log text given as evidence. */
  evidenceText: string[];
  /** 1-based log line numbers given as evidence. */
  evidenceLines: number[];
}

export interface LogView {
  file?: string;
  verdicts: LogVerdictView[];
  loss: LossSeries;
  /** debug_info values around the first non-finite one: [layer, pass, blob field, before, at, line]. */
  nonFiniteTable: { layer: string; pass: string; blob: string; before: string; at: string; line: number }[];
}

type Bag = Record<string, unknown>;

function isBag(v: unknown): v is Bag {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

const NON_FINITE_SPELLINGS: Record<string, number> = { nan: Number.NaN, inf: Number.POSITIVE_INFINITY, "-inf": Number.NEGATIVE_INFINITY };

function lossSeries(v: unknown): LossSeries {
  if (!Array.isArray(v)) return [];
  return v.map((x) => (typeof x === "number" ? x : typeof x === "string" && x in NON_FINITE_SPELLINGS ? NON_FINITE_SPELLINGS[x] : null));
}

function labelsText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (Array.isArray(v)) {
    const values = v.filter((x): x is number => typeof x === "number");
    if (values.length === 0) return undefined;
    let min = values[0];
    let max = values[0];
    for (const x of values) {
      if (x < min) min = x;
      if (x > max) max = x;
    }
    return `${min}–${max}, ${new Set(values).size} distinct`;
  }
  if (isBag(v)) {
    const min = num(v.min);
    const max = num(v.max);
    const distinct = num(v.distinct) ?? num(v.count);
    const parts: string[] = [];
    if (min !== undefined && max !== undefined) parts.push(`${min}–${max}`);
    if (distinct !== undefined) parts.push(`${distinct} distinct`);
    return parts.length > 0 ? parts.join(", ") : undefined;
  }
  return undefined;
}

/** Reads one dataset entry; undefined when it names no source. */
export function readDataset(v: unknown): DatasetView | undefined {
  if (!isBag(v)) return undefined;
  const source = str(v.source) ?? str(v.path) ?? str(v.file);
  if (source === undefined) return undefined;
  // A shape is either [C, H, W] or, as the dataset scan writes it, { chw: [C, H, W] | null, ... }.
  const shapeValue = isBag(v.shape) ? v.shape.chw : v.shape;
  const shape = Array.isArray(shapeValue) && shapeValue.every((d) => typeof d === "number") ? (shapeValue as number[]) : undefined;
  const pixelMin = isBag(v.pixels) ? num(v.pixels.min) : undefined;
  const pixelMax = isBag(v.pixels) ? num(v.pixels.max) : undefined;
  return {
    source,
    backend: str(v.backend),
    phase: str(v.phase),
    count: num(v.count),
    shape,
    labels: labelsText(v.labels),
    storage: isBag(v.storage) ? str(v.storage.kind) : str(v.storage),
    order: isBag(v.labelOrder) ? str(v.labelOrder.verdict) : undefined,
    pixels: pixelMin !== undefined && pixelMax !== undefined ? `${pixelMin}–${pixelMax}` : undefined,
  };
}

/** Reads the datasets section: the entries that name a source. */
export function readDatasets(v: unknown): DatasetView[] {
  if (!Array.isArray(v)) return [];
  return v.map(readDataset).filter((d): d is DatasetView => d !== undefined);
}

/** Reads the probe section; undefined when it has no verdict. */
/** The probe section's reason for not running, when that is what it holds. */
export function readSkippedProbe(v: unknown): SkippedProbeView | undefined {
  return isBag(v) && typeof v.skipped === "string" ? { skipped: v.skipped } : undefined;
}

export function readProbe(v: unknown): ProbeView | undefined {
  if (!isBag(v)) return undefined;
  const verdict = str(v.verdict);
  if (verdict === undefined) return undefined;
  const fnf = isBag(v.firstNonFinite)
    ? {
        iteration: num(v.firstNonFinite.iteration),
        layer: str(v.firstNonFinite.layer),
        blob: str(v.firstNonFinite.blob),
        pass: str(v.firstNonFinite.pass),
      }
    : undefined;
  const fixRuns: FixRunView[] = [];
  if (Array.isArray(v.fixRuns)) {
    for (const run of v.fixRuns) {
      if (!isBag(run)) continue;
      const fix = str(run.fix) ?? (isBag(run.fix) ? str(run.fix.description) : undefined);
      const runVerdict = str(run.verdict);
      if (fix === undefined || runVerdict === undefined) continue;
      fixRuns.push({ fix, verdict: runVerdict, losses: lossSeries(Array.isArray(run.rawLosses) ? run.rawLosses : run.losses) });
    }
  }
  const evidence = Array.isArray(v.evidence) ? v.evidence.filter((e): e is string => typeof e === "string") : [];
  const s = isBag(v.settings) ? v.settings : undefined;
  const settings = s
    ? [num(s.iterations) !== undefined ? `${num(s.iterations)} iterations` : "", num(s.batch) !== undefined ? `batch ${num(s.batch)}` : "", str(s.data) ?? "", ...(Array.isArray(s.notes) ? s.notes.filter((n): n is string => typeof n === "string") : [])].filter((x) => x !== "").join("; ")
    : undefined;
  return { verdict, losses: lossSeries(Array.isArray(v.rawLosses) ? v.rawLosses : v.losses), firstNonFinite: fnf, fixRuns, evidence, ...(settings ? { settings } : {}) };
}

/** Reads the log section; undefined when it is not an object. */
export function readLog(v: unknown): LogView | undefined {
  if (!isBag(v)) return undefined;
  const verdicts: LogVerdictView[] = [];
  if (Array.isArray(v.verdicts)) {
    for (const item of v.verdicts) {
      if (!isBag(item)) continue;
      const verdict = str(item.verdict);
      if (verdict === undefined) continue;
      const evidenceText: string[] = [];
      const evidenceLines: number[] = [];
      if (Array.isArray(item.evidenceLines)) {
        for (const e of item.evidenceLines) {
          if (typeof e === "string") evidenceText.push(e);
          else if (typeof e === "number") evidenceLines.push(e);
        }
      }
      verdicts.push({ verdict, iteration: num(item.iteration), message: str(item.message), evidenceText, evidenceLines });
    }
  }
  const loss = isBag(v.series) ? lossSeries(v.series.loss) : [];
  const value = (x: unknown) =>
    typeof x === "number" ? (x !== 0 && (Math.abs(x) >= 1e5 || Math.abs(x) < 1e-3) ? x.toExponential(3) : Number(x.toPrecision(6)).toString()) : typeof x === "string" ? x : "";
  const nonFiniteTable = Array.isArray(v.nonFiniteTable)
    ? v.nonFiniteTable.filter(isBag).map((r) => ({
        layer: str(r.layer) ?? "",
        pass: str(r.pass) ?? "",
        blob: `${str(r.blob) ?? ""} ${str(r.field) ?? ""}`.trim(),
        before: value(r.before),
        at: value(r.at),
        line: num(r.line) ?? 0,
      }))
    : [];
  return { file: str(v.file), verdicts, loss, nonFiniteTable };
}
