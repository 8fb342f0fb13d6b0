/**
 * Streaming reader of Caffe training logs (glog text as written by `caffe train` or pycaffe).
 *
 * The reader keeps the per-iteration series (loss, lr, net outputs, test phases), the net and solver
 * settings from the log header, a bounded magnitude summary per layer of the debug_info lines, and the
 * debug_info lines themselves only for a few iterations of interest. Raw lines are never kept, so memory
 * stays bounded by the net's size and the number of displayed iterations, whatever the log's length.
 *
 * Where Caffe prints what (BVLC/caffe solver.cpp, sgd_solver.cpp, net.cpp):
 * - Solver::Step switches the train net's debug_info on only for display iterations, so an iteration's
 *   "[Forward]"/"[Backward]" lines come before its "Iteration N (x iter/s, ...), loss = L" line, and its
 *   "[Update]" lines (older Caffe) come after "Iteration N, lr = R".
 * - With iter_size k there are k forward/backward passes per iteration; older Caffe printed debug_info
 *   for every iteration, displayed or not.
 * - Test nets print "[Forward]" lines too, between "Iteration N, Testing net (#k)" and the test outputs;
 *   they are not mixed with the training net's values.
 * - debug_info values are `asum/count` in the blob's precision: the mean |x|. The float sum can overflow
 *   to inf while every element is finite, so a printed "inf" is not proof of a non-finite element.
 */
import * as fs from "node:fs";
import { StringDecoder } from "node:string_decoder";
import type {
  DebugBlock,
  DebugEntry,
  DebugPass,
  HeaderLayer,
  HeaderNet,
  HeaderSolver,
  LayerMagnitudeSummary,
  LogRestart,
  LogSeries,
  ParsedLog,
} from "./types.js";

/**
 * Distinct (pass, layer, blob) keys summarised. A net has a few hundred; the cap only guards against a
 * log whose layer names never repeat, which would otherwise grow the summary without bound.
 */
export const MAX_DEBUG_KEYS = 20000;
/** Debug blocks of this many first displayed iterations are kept verbatim (the start of training). */
export const FIRST_DEBUG_BLOCKS_KEPT = 3;
/** Nets described in a header that are kept; restarts re-print the same nets, so a few are enough. */
const MAX_HEADER_NETS = 8;
/** Read size of `parseLogFile`: the only raw text held at once (plus one partial line). */
export const READ_CHUNK_BYTES = 1 << 16;
/**
 * A single line longer than this is cut: a log with a binary blob or no newlines must not make the
 * reader hold an unbounded line. Caffe's longest lines (L1/L2 norms, long layer names) are far shorter.
 */
export const MAX_LINE_CHARS = 1 << 16;

/** Error for a log file that cannot be read (missing, a directory, unreadable). */
export class LogReadError extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
    this.name = "LogReadError";
  }
}

/**
 * Parses a printed number the way Caffe/glog write them: "0.123", "1e-05", "nan", "-nan", "inf",
 * "-inf", and the MSVC spellings "1.#QNAN", "-1.#IND", "1.#INF". Returns undefined when it is no number.
 */
export function parseCaffeNumber(text: string): number | undefined {
  const t = text.trim();
  if (t === "") return undefined;
  const n = Number(t);
  if (!Number.isNaN(n)) return n;
  const lower = t.toLowerCase();
  if (/^[+-]?nan(\(.*\))?$/.test(lower) || /^[+-]?1\.#(qnan|snan|ind)/.test(lower)) return NaN;
  if (/^\+?(inf|infinity)$/.test(lower) || /^\+?1\.#inf/.test(lower)) return Infinity;
  if (/^-(inf|infinity)$/.test(lower) || /^-1\.#inf/.test(lower)) return -Infinity;
  return undefined;
}

const GLOG_PREFIX = /^[IWEF]\d{4}(?:\d{4})? \d\d:\d\d:\d\d(?:\.\d+)? +\d+ [^\]]*\] ?/;
/** The same prefix after something else (a timestamp added by a wrapper script, a job name). */
const GLOG_PREFIX_INSIDE = /(?:^|\s)[IWEF]\d{4}(?:\d{4})? \d\d:\d\d:\d\d(?:\.\d+)? +\d+ [^\]]*\] ?/;
/** Caffe before 2015 printed test outputs without names. */
const OLD_TEST_SCORE = /^Test score #(\d+): (\S+)\s*$/;
const DISPLAY_LOSS = /^Iteration (\d+)(?: \([^)]*\))?, loss = (\S+)/;
const ITER_LR = /^Iteration (\d+), lr = (\S+)/;
const TESTING_NET = /^Iteration (\d+), Testing net \(#(\d+)\)/;
const NET_OUTPUT = /^(Train|Test) net output #(\d+): (.+?) = (\S+)(?: \(\* (\S+) = (\S+) loss\))?\s*$/;
// Debug value lines without their ": value" tail.
const DEBUG_TOP = /^Layer (.+), top blob (.+) data$/;
const DEBUG_PARAM_DATA = /^Layer (.+), param blob (.+) data$/;
const DEBUG_BOTTOM = /^Layer (.+), bottom blob (.+) diff$/;
const DEBUG_PARAM_DIFF = /^Layer (.+), param blob (.+) diff$/;
const DEBUG_INPUT = /^Input (.+) data$/;
const DEBUG_NET_NORMS = /^All net params \(data, diff\): L1 norm = \((\S+), (\S+)\); L2 norm = \((\S+), (\S+)\)/;
const UPDATE_OWNED = /^Layer (.+), param (.+) data: (\S+); diff: (\S+)$/;
const UPDATE_SHARED = /^Layer (.+), param blob (.+) \(owned by layer .+\) diff: (\S+)$/;
const TOP_SHAPE = /^Top shape: ([\d ]*\d)/;
const PROTO_FIELD = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(.*?)\s*$/;
const PROTO_OPEN = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\{\s*$/;



interface PendingPass {
  entries: DebugEntry[];
  /** The summary of each entry (same index), resolved when the line was read. */
  sums: (LayerMagnitudeSummary | null)[];
  norms?: { line: number; values: number[] };
  hasNan: boolean;
  hasInf: boolean;
}

/** What the text of a debug_info line before its value identifies: layer, blob, pass, and its summary. */
interface DebugKey {
  pass: DebugPass;
  layer: string;
  kind: DebugEntry["kind"];
  blob: string;
  field: DebugEntry["field"];
  summary: LayerMagnitudeSummary | null;
}

type ProtoDump = "none" | "solver" | "net";

/** The mutable state of one parse; `finish` turns it into a `ParsedLog`. */
interface ReaderState {
  lineNo: number;
  recognised: number;
  series: LogSeries;
  /** Index in series of the last iteration row, and its iteration. */
  lastRow: number;
  /** Output names already printed for the row `rowOutputsFor` (to tell apart values of one blob). */
  rowOutputs: Set<string>;
  rowOutputsFor: number;
  lastIteration: number | null;
  /** Last iteration for which a display ("loss =") line was seen. */
  lastDisplayedIteration: number | null;
  // debug_info
  passes: PendingPass[];
  passOpen: boolean;
  /** Update entries arrive after the display line; they join the kept block of that iteration. */
  keptBlocks: Map<number, DebugBlock>;
  previousBlock: DebugBlock | null;
  /** Debug blocks filed so far (one per iteration that printed debug_info). */
  filedBlocks: number;
  summaries: Map<string, LayerMagnitudeSummary>;
  /** debug_info line text (up to the value) -> what it measures; null for text that is no debug value. */
  debugKeys: Map<string, DebugKey | null>;
  firstNonFiniteDebug: ParsedLog["firstNonFiniteDebug"];
  firstNanDebug: ParsedLog["firstNanDebug"];
  firstInfDebug: ParsedLog["firstInfDebug"];
  firstNonFiniteBlockIteration: number | null;
  firstInfBlockIteration: number | null;
  hasDebugInfo: boolean;
  // test phases
  testing: boolean;
  testOutputsSeen: boolean;
  // header
  nets: HeaderNet[];
  solver: HeaderSolver | null;
  dump: ProtoDump;
  dumpDepth: number;
  dumpPath: string[];
  dumpLayer: HeaderLayer | null;
  nextNetPhase: "TRAIN" | "TEST";
  nextNetIndex: number;
  currentNet: HeaderNet | null;
  settingUp: HeaderLayer | null;
  restarts: LogRestart[];
  snapshots: { line: number; file: string }[];
  solvingSeen: boolean;
}

function newState(): ReaderState {
  return {
    lineNo: 0,
    recognised: 0,
    series: {
      iterations: [],
      lines: [],
      loss: [],
      lr: [],
      trainOutputs: {},
      trainOutputWeights: {},
      testOutputs: [],
      netNorms: { iterations: [], lines: [], l1Data: [], l1Diff: [], l2Data: [], l2Diff: [] },
    },
    lastRow: -1,
    rowOutputs: new Set(),
    rowOutputsFor: -1,
    lastIteration: null,
    lastDisplayedIteration: null,
    passes: [],
    passOpen: false,
    keptBlocks: new Map(),
    previousBlock: null,
    filedBlocks: 0,
    summaries: new Map(),
    debugKeys: new Map(),
    firstNonFiniteDebug: null,
    firstNanDebug: null,
    firstInfDebug: null,
    firstNonFiniteBlockIteration: null,
    firstInfBlockIteration: null,
    hasDebugInfo: false,
    testing: false,
    testOutputsSeen: false,
    nets: [],
    solver: null,
    dump: "none",
    dumpDepth: 0,
    dumpPath: [],
    dumpLayer: null,
    nextNetPhase: "TRAIN",
    nextNetIndex: 0,
    currentNet: null,
    settingUp: null,
    restarts: [],
    snapshots: [],
    solvingSeen: false,
  };
}

function iterSize(s: ReaderState): number {
  return s.solver?.iterSize ?? 1;
}

// ---------------------------------------------------------------------------------------------------
// Series rows

/** Returns the row of `iteration`, appending one when it is not the current row. */
function rowFor(s: ReaderState, iteration: number, line: number): number {
  if (s.lastIteration === iteration && s.lastRow >= 0) return s.lastRow;
  const ser = s.series;
  ser.iterations.push(iteration);
  ser.lines.push(line);
  ser.loss.push(null);
  ser.lr.push(null);
  for (const name of Object.keys(ser.trainOutputs)) ser.trainOutputs[name]!.push(null);
  s.lastRow = ser.iterations.length - 1;
  s.lastIteration = iteration;
  return s.lastRow;
}

/**
 * A further training run starts in the same log (a second "Solving", "Restoring previous solver
 * status", or iterations going back). The series goes on in log order; debug_info bookkeeping starts
 * afresh, so that first-non-finite, kept blocks and summaries describe the last run.
 */
function startNewRun(s: ReaderState, restart: LogRestart): void {
  s.restarts.push(restart);
  s.passes = [];
  s.passOpen = false;
  s.keptBlocks = new Map();
  s.previousBlock = null;
  s.filedBlocks = 0;
  s.summaries = new Map();
  s.debugKeys = new Map();
  s.firstNonFiniteDebug = null;
  s.firstNanDebug = null;
  s.firstInfDebug = null;
  s.firstNonFiniteBlockIteration = null;
  s.firstInfBlockIteration = null;
  s.lastDisplayedIteration = null;
}

/** Notes a run restarting when an iteration number goes back, unless a header already said so. */
function checkIterationGoingBack(s: ReaderState, iteration: number, line: number): void {
  if (s.lastIteration === null || iteration >= s.lastIteration) return;
  const last = s.restarts[s.restarts.length - 1];
  if (last && last.kind !== "iteration" && last.afterIteration === s.lastIteration) return;
  startNewRun(s, { line, kind: "iteration", afterIteration: s.lastIteration });
}

// ---------------------------------------------------------------------------------------------------
// debug_info

function newSummary(s: ReaderState, k: Omit<DebugKey, "summary">): LayerMagnitudeSummary {
  return {
    pass: k.pass,
    layer: k.layer,
    kind: k.kind,
    blob: k.blob,
    field: k.field,
    order: s.summaries.size,
    count: 0,
    first: NaN,
    firstIteration: 0,
    last: NaN,
    lastIteration: 0,
    lastLine: 0,
    min: null,
    minIteration: null,
    max: null,
    maxIteration: null,
    maxLine: null,
    firstNonFiniteIteration: null,
    firstNonFiniteLine: null,
  };
}

/** The summary of a key, created on first sight (null once MAX_DEBUG_KEYS distinct keys exist). */
function summaryFor(s: ReaderState, k: Omit<DebugKey, "summary">): LayerMagnitudeSummary | null {
  const id = `${k.pass}\u0000${k.layer}\u0000${k.kind}\u0000${k.blob}\u0000${k.field}`;
  let acc = s.summaries.get(id);
  if (!acc) {
    if (s.summaries.size >= MAX_DEBUG_KEYS) return null;
    acc = newSummary(s, k);
    s.summaries.set(id, acc);
  }
  return acc;
}

function foldIntoSummary(s: ReaderState, acc: LayerMagnitudeSummary | null, e: DebugEntry, iteration: number): void {
  const v = e.value;
  const finite = Number.isFinite(v);
  if (!finite) {
    const withIter = { ...e, iteration };
    if (!s.firstNonFiniteDebug) s.firstNonFiniteDebug = withIter;
    if (Number.isNaN(v)) {
      if (!s.firstNanDebug) s.firstNanDebug = withIter;
    } else if (!s.firstInfDebug) s.firstInfDebug = withIter;
  }
  if (!acc) return;
  if (acc.count === 0) {
    acc.first = v;
    acc.firstIteration = iteration;
  }
  acc.count++;
  acc.last = v;
  acc.lastIteration = iteration;
  acc.lastLine = e.line;
  if (finite) {
    if (acc.min === null || v < acc.min) {
      acc.min = v;
      acc.minIteration = iteration;
    }
    if (acc.max === null || v > acc.max) {
      acc.max = v;
      acc.maxIteration = iteration;
      acc.maxLine = e.line;
    }
  } else if (acc.firstNonFiniteIteration === null) {
    acc.firstNonFiniteIteration = iteration;
    acc.firstNonFiniteLine = e.line;
  }
}

function keepBlock(s: ReaderState, block: DebugBlock, reason: string): void {
  const kept = s.keptBlocks.get(block.iteration);
  if (kept) {
    if (!kept.reasons.includes(reason)) kept.reasons.push(reason);
    return;
  }
  block.reasons.push(reason);
  s.keptBlocks.set(block.iteration, block);
}

/** Files a finished block of one iteration: summary, first-non-finite bookkeeping, kept blocks. */
function fileBlock(s: ReaderState, iteration: number, passes: PendingPass[], lossNonFinite: boolean): void {
  let norms: DebugBlock["netNorms"];
  let hasNan = false;
  let hasInf = false;
  for (const p of passes) {
    for (let i = 0; i < p.entries.length; i++) foldIntoSummary(s, p.sums[i]!, p.entries[i]!, iteration);
    hasNan ||= p.hasNan;
    hasInf ||= p.hasInf;
    if (p.norms) {
      const [l1Data, l1Diff, l2Data, l2Diff] = p.norms.values as [number, number, number, number];
      norms = { line: p.norms.line, l1Data, l1Diff, l2Data, l2Diff };
    }
  }
  if (norms) {
    const nn = s.series.netNorms;
    nn.iterations.push(iteration);
    nn.lines.push(norms.line);
    nn.l1Data.push(norms.l1Data);
    nn.l1Diff.push(norms.l1Diff);
    nn.l2Data.push(norms.l2Data);
    nn.l2Diff.push(norms.l2Diff);
  }
  const entries = passes.length === 1 ? passes[0]!.entries : passes.flatMap((p) => p.entries);
  const block: DebugBlock = { iteration, reasons: [], entries, ...(norms ? { netNorms: norms } : {}) };
  if (s.filedBlocks < FIRST_DEBUG_BLOCKS_KEPT) keepBlock(s, block, "first");
  if (hasInf && s.firstInfBlockIteration === null) {
    s.firstInfBlockIteration = iteration;
    keepBlock(s, block, "first-inf");
    if (s.previousBlock) keepBlock(s, s.previousBlock, "before-first-inf");
  }
  if ((hasNan || lossNonFinite) && s.firstNonFiniteBlockIteration === null) {
    s.firstNonFiniteBlockIteration = iteration;
    keepBlock(s, block, "first-non-finite");
    if (s.previousBlock) keepBlock(s, s.previousBlock, "before-first-non-finite");
  }
  s.filedBlocks++;
  s.previousBlock = block;
}

/**
 * Closes the pending passes. `displayIteration` is the iteration whose display line just arrived
 * (the passes then belong to it, or to it and the undisplayed iterations before it), or null at the end.
 */
function flushPasses(s: ReaderState, displayIteration: number | null, lossNonFinite: boolean): void {
  if (s.passes.length === 0) return;
  const k = iterSize(s);
  const passes = s.passes;
  s.passes = [];
  s.passOpen = false;
  if (displayIteration === null) {
    const it = (s.lastDisplayedIteration ?? -1) + 1;
    fileBlock(s, it, passes, false);
    return;
  }
  // More passes than one iteration needs: older Caffe printed every iteration. Group by iter_size,
  // counting back from the displayed one.
  const groups = Math.ceil(passes.length / k);
  for (let g = 0; g < groups; g++) {
    const start = passes.length - (groups - g) * k;
    const group = passes.slice(Math.max(0, start), start + k);
    const it = displayIteration - (groups - 1 - g);
    fileBlock(s, it, group, g === groups - 1 && lossNonFinite);
  }
}

/** Older Caffe prints debug_info for every iteration: file passes early so memory stays bounded. */
function startPass(s: ReaderState): void {
  const k = iterSize(s);
  if (s.passes.length >= 2 * k) {
    const done = s.passes.splice(0, k);
    const it = (s.lastDisplayedIteration ?? -1) + 1;
    fileBlock(s, it, done, false);
    s.lastDisplayedIteration = it;
  }
  s.passes.push({ entries: [], sums: [], hasNan: false, hasInf: false });
  s.passOpen = true;
}

function addDebugEntry(s: ReaderState, e: DebugEntry, summary: LayerMagnitudeSummary | null): void {
  s.hasDebugInfo = true;
  if (s.testing) return; // test-net forwards are not the training net's values
  if (e.pass === "update") {
    // Net::Update runs after the display line of its iteration.
    const it = s.lastDisplayedIteration ?? 0;
    foldIntoSummary(s, summary, e, it);
    s.keptBlocks.get(it)?.entries.push(e);
    return;
  }
  const current = s.passes[s.passes.length - 1];
  // A forward line after a finished backward (or with nothing pending) starts a new pass.
  if (!current || (e.pass === "forward" && !s.passOpen)) startPass(s);
  else if (e.pass === "forward" && current.entries.length > 0) {
    const prev = current.entries[current.entries.length - 1]!;
    if (prev.pass === "backward" || current.norms) startPass(s);
  }
  const pass = s.passes[s.passes.length - 1]!;
  pass.entries.push(e);
  pass.sums.push(summary);
  if (e.value !== e.value) pass.hasNan = true;
  else if (e.value === Infinity || e.value === -Infinity) pass.hasInf = true;
}

/** Decodes the text of a "[Forward]"/"[Backward]" value line before ": value"; null when it is none. */
function decodeDebugKey(keyText: string): Omit<DebugKey, "summary"> | null {
  let m: RegExpExecArray | null;
  if (keyText.startsWith("[Forward] ")) {
    const body = keyText.slice(10);
    if ((m = DEBUG_TOP.exec(body))) return { pass: "forward", layer: m[1]!, kind: "top", blob: m[2]!, field: "data" };
    if ((m = DEBUG_PARAM_DATA.exec(body))) return { pass: "forward", layer: m[1]!, kind: "param", blob: m[2]!, field: "data" };
    if ((m = DEBUG_INPUT.exec(body))) return { pass: "forward", layer: m[1]!, kind: "input", blob: m[1]!, field: "data" };
    return null;
  }
  if (keyText.startsWith("[Backward] ")) {
    const body = keyText.slice(11);
    if ((m = DEBUG_BOTTOM.exec(body))) return { pass: "backward", layer: m[1]!, kind: "bottom", blob: m[2]!, field: "diff" };
    if ((m = DEBUG_PARAM_DIFF.exec(body))) return { pass: "backward", layer: m[1]!, kind: "param", blob: m[2]!, field: "diff" };
  }
  return null;
}

/** The key of a value line, decoded once per distinct text and then looked up. */
function debugKey(s: ReaderState, keyText: string): DebugKey | null {
  let k = s.debugKeys.get(keyText);
  if (k === undefined) {
    const decoded = decodeDebugKey(keyText);
    k = decoded ? { ...decoded, summary: summaryFor(s, decoded) } : null;
    if (s.debugKeys.size < MAX_DEBUG_KEYS) s.debugKeys.set(keyText, k);
  }
  return k;
}

function parseDebug(s: ReaderState, msg: string, line: number): boolean {
  let m: RegExpExecArray | null;
  if (msg.startsWith("[Backward] All net params")) {
    if (!(m = DEBUG_NET_NORMS.exec(msg.slice(11)))) return false;
    const values = [m[1]!, m[2]!, m[3]!, m[4]!].map((t) => parseCaffeNumber(t));
    if (values.some((v) => v === undefined)) return false;
    s.hasDebugInfo = true;
    if (s.testing) return true;
    const current = s.passes[s.passes.length - 1];
    if (current) {
      current.norms = { line, values: values as number[] };
      for (const v of values as number[]) {
        if (Number.isNaN(v)) current.hasNan = true;
        else if (!Number.isFinite(v)) current.hasInf = true;
      }
      s.passOpen = false;
    }
    return true;
  }
  if (msg.startsWith("[Forward] ") || msg.startsWith("[Backward] ")) {
    // "<what>: <value>" with the value last: the text before it is the key, the same every iteration.
    const colon = msg.lastIndexOf(": ");
    if (colon < 0) return false;
    const value = parseCaffeNumber(msg.slice(colon + 2));
    if (value === undefined) return false;
    const k = debugKey(s, msg.slice(0, colon));
    if (!k) return false;
    addDebugEntry(s, { line, pass: k.pass, layer: k.layer, kind: k.kind, blob: k.blob, field: k.field, value }, k.summary);
    return true;
  }
  if (msg.startsWith("[Update] ")) {
    const body = msg.slice(9);
    if ((m = UPDATE_SHARED.exec(body))) {
      return addValue(s, line, "update", m[1]!, "param", m[2]!, "diff", m[3]!);
    }
    if ((m = UPDATE_OWNED.exec(body))) {
      const ok = addValue(s, line, "update", m[1]!, "param", m[2]!, "data", m[3]!);
      return addValue(s, line, "update", m[1]!, "param", m[2]!, "diff", m[4]!) && ok;
    }
  }
  return false;
}

function addValue(
  s: ReaderState,
  line: number,
  pass: DebugPass,
  layer: string,
  kind: DebugEntry["kind"],
  blob: string,
  field: DebugEntry["field"],
  text: string,
): boolean {
  const value = parseCaffeNumber(text);
  if (value === undefined) return false;
  const key = { pass, layer, kind, blob, field };
  addDebugEntry(s, { line, ...key, value }, summaryFor(s, key));
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Header: solver and net dumps (protobuf text without glog prefix), "Creating Layer", "Top shape"

function unquote(v: string): string {
  const t = v.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

function numberField(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(unquote(v));
  return Number.isFinite(n) ? n : undefined;
}

function openNet(s: ReaderState, line: number): HeaderNet | null {
  if (s.nets.length >= MAX_HEADER_NETS) return null;
  const net: HeaderNet = { phase: s.nextNetPhase, index: s.nextNetIndex, layers: [], outputs: [], line };
  s.nets.push(net);
  return net;
}

function findLayer(net: HeaderNet | null, name: string): HeaderLayer | undefined {
  if (!net) return undefined;
  for (let i = net.layers.length - 1; i >= 0; i--) if (net.layers[i]!.name === name) return net.layers[i];
  return undefined;
}

function ensureLayer(net: HeaderNet | null, name: string): HeaderLayer | null {
  if (!net) return null;
  let layer = findLayer(net, name);
  if (!layer) {
    layer = { name, bottoms: [], tops: [], topShapes: [], lossWeights: [] };
    net.layers.push(layer);
  }
  return layer;
}

function isProtoTextLine(text: string): boolean {
  const t = text.trim();
  return t === "" || t === "}" || PROTO_OPEN.test(t) || PROTO_FIELD.test(t);
}

/** One line of a protobuf text dump (the solver's or a net's DebugString). */
function parseDumpLine(s: ReaderState, raw: string): void {
  const text = raw.trim();
  if (text === "") return;
  if (text === "}") {
    s.dumpDepth = Math.max(0, s.dumpDepth - 1);
    const closed = s.dumpPath.pop();
    if (s.dump === "net" && s.dumpDepth === 0 && (closed === "layer" || closed === "layers")) s.dumpLayer = null;
    return;
  }
  let m = PROTO_OPEN.exec(text);
  if (m) {
    s.dumpPath.push(m[1]!);
    s.dumpDepth++;
    if (s.dump === "net" && s.dumpDepth === 1 && (m[1] === "layer" || m[1] === "layers") && s.currentNet) {
      s.dumpLayer = { name: "", bottoms: [], tops: [], topShapes: [], lossWeights: [] };
      s.currentNet.layers.push(s.dumpLayer);
    }
    return;
  }
  m = PROTO_FIELD.exec(text);
  if (!m) return;
  const key = m[1]!;
  const value = m[2]!;
  if (s.dump === "solver") {
    if (s.dumpDepth === 0 && s.solver) s.solver.fields[key] = unquote(value);
    return;
  }
  // net dump
  if (s.dumpDepth === 0) {
    if (key === "name" && s.currentNet) s.currentNet.name = unquote(value);
    return;
  }
  const layer = s.dumpLayer;
  if (!layer) return;
  const parent = s.dumpPath[s.dumpPath.length - 1];
  if (s.dumpDepth === 1) {
    if (key === "name") layer.name = unquote(value);
    else if (key === "type") layer.type = unquote(value);
    else if (key === "bottom") layer.bottoms.push(unquote(value));
    else if (key === "top") layer.tops.push(unquote(value));
    else if (key === "loss_weight") {
      const w = numberField(value);
      if (w !== undefined) layer.lossWeights.push(w);
    }
    return;
  }
  if (key === "batch_size" && (parent === "data_param" || parent === "image_data_param" || parent === "hdf5_data_param" || parent === "memory_data_param" || parent === "window_data_param")) {
    layer.batchSize = numberField(value);
  } else if (key === "num_output") layer.numOutput = numberField(value);
  else if (key === "ignore_label" && parent === "loss_param") layer.ignoreLabel = numberField(value);
  else if (key === "normalization" && parent === "loss_param") layer.normalization = unquote(value);
  else if (key === "normalize" && parent === "loss_param" && layer.normalization === undefined) {
    layer.normalization = value === "false" ? "BATCH_SIZE" : "VALID";
  }
  else if (key === "axis" && (parent === "softmax_param")) layer.axis = numberField(value);
  else if (key === "shape" && parent === "input_param") {
    /* shapes of Input layers come from "Top shape" lines */
  }
}

function finishSolverFields(solver: HeaderSolver): void {
  const f = solver.fields;
  solver.iterSize = Math.max(1, numberField(f["iter_size"]) ?? 1);
  solver.display = numberField(f["display"]);
  solver.maxIter = numberField(f["max_iter"]);
  solver.lrPolicy = f["lr_policy"];
  solver.baseLr = numberField(f["base_lr"]);
  solver.averageLoss = Math.max(1, numberField(f["average_loss"]) ?? 1);
  solver.debugInfo = f["debug_info"] === "true";
}

function endDump(s: ReaderState): void {
  if (s.dump === "solver" && s.solver) finishSolverFields(s.solver);
  s.dump = "none";
  s.dumpDepth = 0;
  s.dumpPath = [];
  s.dumpLayer = null;
}

/** Header lines with a glog prefix. Returns true when recognised. */
function parseHeaderMessage(s: ReaderState, msg: string, line: number): boolean {
  let m: RegExpExecArray | null;
  if (msg.startsWith("Initializing solver from parameters")) {
    s.solver = { line, fields: {}, iterSize: 1, averageLoss: 1, debugInfo: false };
    s.dump = "solver";
    s.nextNetPhase = "TRAIN";
    s.nextNetIndex = 0;
    return true;
  }
  if (msg.startsWith("Creating training net")) {
    s.nextNetPhase = "TRAIN";
    s.nextNetIndex = 0;
    return true;
  }
  if ((m = /^Creating test net \(#(\d+)\)/.exec(msg))) {
    s.nextNetPhase = "TEST";
    s.nextNetIndex = Number(m[1]);
    return true;
  }
  if (msg.startsWith("Initializing net from parameters")) {
    s.currentNet = openNet(s, line);
    s.dump = s.currentNet ? "net" : "none";
    return true;
  }
  if ((m = /^Creating Layer (.+)$/.exec(msg))) {
    s.settingUp = ensureLayer(s.currentNet, m[1]!.trim());
    return true;
  }
  if ((m = /^Setting up (.+)$/.exec(msg))) {
    s.settingUp = ensureLayer(s.currentNet, m[1]!.trim());
    if (s.settingUp) s.settingUp.topShapes = [];
    return true;
  }
  if ((m = TOP_SHAPE.exec(msg))) {
    if (s.settingUp) s.settingUp.topShapes.push(m[1]!.trim().split(/\s+/).map(Number));
    return true;
  }
  if ((m = /^This network produces output (.+)$/.exec(msg))) {
    s.currentNet?.outputs.push(m[1]!.trim());
    return true;
  }
  if (msg.startsWith("Network initialization done")) {
    s.settingUp = null;
    // A train net is followed by its test nets unless told otherwise.
    s.nextNetPhase = "TEST";
    return true;
  }
  if (msg.startsWith("Solving ")) {
    if (s.solvingSeen) startNewRun(s, { line, kind: "solving", afterIteration: s.lastIteration });
    s.solvingSeen = true;
    return true;
  }
  if (msg.startsWith("Restoring previous solver status")) {
    startNewRun(s, { line, kind: "restore", afterIteration: s.lastIteration });
    return true;
  }
  if ((m = /^Snapshotting (?:solver state )?to (?:binary proto file |HDF5 file )?(.+)$/.exec(msg))) {
    s.snapshots.push({ line, file: m[1]!.trim() });
    return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------
// Lines

/** `name` the first time in a display, then `name[1]`, `name[2]`... for further values of the same blob. */
function uniqueOutputName(seen: Set<string>, name: string): string {
  let unique = name;
  for (let j = 1; seen.has(unique); j++) unique = `${name}[${j}]`;
  seen.add(unique);
  return unique;
}

function parseMessage(s: ReaderState, msg: string, line: number): boolean {
  // A test phase ends with its last "Test net output" line.
  if (s.testing && s.testOutputsSeen && !msg.startsWith("Test net output") && !msg.startsWith("Test score")) s.testing = false;
  const c = msg.charCodeAt(0);
  if (c === 91 /* [ */) return parseDebug(s, msg, line);
  let m: RegExpExecArray | null;
  if (msg.startsWith("Iteration ")) {
    if ((m = DISPLAY_LOSS.exec(msg))) {
      const it = Number(m[1]);
      const loss = parseCaffeNumber(m[2]!.replace(/,$/, ""));
      if (loss === undefined) return false;
      s.testing = false;
      checkIterationGoingBack(s, it, line);
      flushPasses(s, it, !Number.isFinite(loss));
      const row = rowFor(s, it, line);
      s.series.loss[row] = loss;
      s.series.lines[row] = line;
      s.lastDisplayedIteration = it;
      return true;
    }
    if ((m = ITER_LR.exec(msg))) {
      const lr = parseCaffeNumber(m[2]!);
      if (lr === undefined) return false;
      checkIterationGoingBack(s, Number(m[1]), line);
      const row = rowFor(s, Number(m[1]), line);
      s.series.lr[row] = lr;
      return true;
    }
    if ((m = TESTING_NET.exec(msg))) {
      s.testing = true;
      s.testOutputsSeen = false;
      s.series.testOutputs.push({ iteration: Number(m[1]), net: Number(m[2]), line, outputs: {}, lossWeights: {} });
      return true;
    }
    return false;
  }
  if ((m = OLD_TEST_SCORE.exec(msg))) {
    const value = parseCaffeNumber(m[2]!);
    const phase = s.series.testOutputs[s.series.testOutputs.length - 1];
    if (value === undefined || !phase) return false;
    phase.outputs[`#${m[1]}`] = value;
    s.testOutputsSeen = true;
    return true;
  }
  if ((m = NET_OUTPUT.exec(msg))) {
    const value = parseCaffeNumber(m[4]!);
    if (value === undefined) return false;
    const outputIndex = Number(m[2]);
    const weight = m[5] !== undefined ? parseCaffeNumber(m[5]) : undefined;
    if (m[1] === "Train") {
      const ser = s.series;
      if (s.lastRow < 0) return false;
      // A blob with several values (per-class accuracy) prints one line per value under one name.
      if (outputIndex === 0 || s.rowOutputsFor !== s.lastRow) {
        s.rowOutputsFor = s.lastRow;
        s.rowOutputs.clear();
      }
      const name = uniqueOutputName(s.rowOutputs, m[3]!);
      let col = ser.trainOutputs[name];
      if (!col) {
        col = new Array<number | null>(ser.iterations.length).fill(null);
        ser.trainOutputs[name] = col;
      }
      col[s.lastRow] = value;
      if (weight !== undefined && ser.trainOutputWeights[name] === undefined) ser.trainOutputWeights[name] = weight;
    } else {
      const phase = s.series.testOutputs[s.series.testOutputs.length - 1];
      if (!phase) return false;
      const name = m[3]! in phase.outputs ? `${m[3]}[${outputIndex}]` : m[3]!;
      phase.outputs[name] = value;
      if (weight !== undefined) phase.lossWeights[name] = weight;
      s.testOutputsSeen = true;
    }
    return true;
  }
  if (msg.startsWith("Test interrupted")) s.testing = false;
  if (msg.startsWith("Test loss:")) return true;
  return parseHeaderMessage(s, msg, line);
}

function parseLine(s: ReaderState, raw: string): void {
  const line = ++s.lineNo;
  const text = raw.length > MAX_LINE_CHARS ? raw.slice(0, MAX_LINE_CHARS) : raw;
  const m = GLOG_PREFIX.exec(text);
  if (!m && s.dump === "none" && text.length > 0 && text.charCodeAt(0) !== 32) {
    const inside = GLOG_PREFIX_INSIDE.exec(text);
    if (inside) {
      const msg = text.slice(inside.index + inside[0].length).trim();
      if (parseMessage(s, msg, line)) s.recognised++;
      return;
    }
  }
  if (!m) {
    // Continuation lines of a multi-line LOG message: the solver's or a net's parameter dump.
    if (s.dump !== "none" && isProtoTextLine(text)) {
      parseDumpLine(s, text);
      return;
    }
    if (s.dump !== "none") endDump(s);
    // Logs whose glog prefix was stripped (or replaced) still carry the messages.
    const msg = text.trim();
    if (msg !== "" && parseMessage(s, msg, line)) s.recognised++;
    return;
  }
  if (s.dump !== "none") endDump(s);
  const msg = text.slice(m[0].length).trim();
  if (parseMessage(s, msg, line)) s.recognised++;
}

function finish(s: ReaderState, unterminatedLastLine: number | null): ParsedLog {
  if (s.dump !== "none") endDump(s);
  if (s.passes.length > 0) flushPasses(s, null, false);
  const debugBlocks = [...s.keptBlocks.values()].sort((a, b) => a.iteration - b.iteration);
  return {
    lineCount: s.lineNo,
    recognisedLines: s.recognised,
    series: s.series,
    debugBlocks,
    layerSummaries: [...s.summaries.values()],
    firstNonFiniteDebug: s.firstNonFiniteDebug,
    firstNanDebug: s.firstNanDebug,
    firstInfDebug: s.firstInfDebug,
    nets: s.nets,
    solver: s.solver,
    restarts: s.restarts,
    snapshots: s.snapshots,
    unterminatedLastLine,
    hasDebugInfo: s.hasDebugInfo,
  };
}

/**
 * Parses log lines (without their newline) from any iterable, e.g. an array or a generator.
 * Lines are numbered from 1 in the order given.
 */
export function parseLogLines(lines: Iterable<string>): ParsedLog {
  const s = newState();
  for (const l of lines) parseLine(s, l);
  return finish(s, null);
}

/** A line-by-line consumer that can be fed text chunks; what `parseLogFile` uses. */
export interface LogChunkReader {
  /** Feeds the next piece of text (any split, even inside a line). */
  push(text: string): void;
  /** Ends the input and returns the parse. */
  end(): ParsedLog;
}

/** Creates a chunk reader: it holds at most one partial line besides the parse state. */
export function createLogChunkReader(): LogChunkReader {
  const s = newState();
  let partial = "";
  return {
    push(text: string): void {
      let start = 0;
      let nl = text.indexOf("\n");
      if (nl >= 0 && partial !== "") {
        parseLine(s, partial + text.slice(0, nl));
        partial = "";
        start = nl + 1;
        nl = text.indexOf("\n", start);
      }
      while (nl >= 0) {
        parseLine(s, text.slice(start, nl));
        start = nl + 1;
        nl = text.indexOf("\n", start);
      }
      if (start < text.length) {
        partial += text.slice(start);
        if (partial.length > MAX_LINE_CHARS) partial = partial.slice(0, MAX_LINE_CHARS);
      }
    },
    end(): ParsedLog {
      let unterminated: number | null = null;
      // A log cut while being written often ends in NUL padding; that is no line.
      const rest = partial.replace(/\0+$/, "");
      if (rest.trim() !== "") {
        parseLine(s, rest);
        unterminated = s.lineNo;
      }
      partial = "";
      return finish(s, unterminated);
    },
  };
}

/**
 * Reads and parses a log file in chunks of READ_CHUNK_BYTES, so memory does not grow with the file.
 * `onProgress(bytesRead, totalBytes)` is called after each chunk. Throws LogReadError for an unreadable file.
 */
export async function parseLogFile(
  file: string,
  onProgress?: (bytesRead: number, totalBytes: number) => void,
): Promise<ParsedLog> {
  let total: number;
  try {
    const st = await fs.promises.stat(file);
    if (!st.isFile()) throw new LogReadError(`${file}: not a regular file`, file);
    total = st.size;
  } catch (err) {
    if (err instanceof LogReadError) throw err;
    throw new LogReadError(`${file}: cannot read log (${(err as NodeJS.ErrnoException).code ?? String(err)})`, file);
  }
  const reader = createLogChunkReader();
  const decoder = new StringDecoder("utf8");
  let read = 0;
  const stream = fs.createReadStream(file, { highWaterMark: READ_CHUNK_BYTES });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      read += chunk.length;
      reader.push(decoder.write(chunk));
      onProgress?.(read, total);
    }
  } catch (err) {
    throw new LogReadError(`${file}: read failed (${(err as NodeJS.ErrnoException).code ?? String(err)})`, file);
  }
  reader.push(decoder.end());
  return reader.end();
}
