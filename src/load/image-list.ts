/**
 * Reads the list files of Caffe's ImageData and WindowData layers and
 * summarises them: label histogram, label order along the file (the same
 * statistic as for LMDB datasets), malformed lines and missing image files.
 *
 * ImageData (`source` of image_data_param): one `path label` per line. As in
 * current Caffe the label is the last space-separated token, so paths may
 * contain spaces; the image is `root_folder + path` (plain concatenation, as
 * Caffe does), relative to the working folder.
 *
 * WindowData (`source` of window_data_param): blocks of
 *   # image_index / path / channels / height / width / window count /
 *   one `class_index overlap x1 y1 x2 y2` line per window.
 */
import fs from "node:fs";
import path from "node:path";
import { labelOrder, type LabelOrderStats } from "./dataset-stats.js";

/** The list file itself cannot be read. */
export class ImageListError extends Error {
  readonly file: string;
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = "ImageListError";
    this.file = file;
  }
}

export interface ImageListEntry {
  path: string;
  label: number;
  /** 1-based line number. */
  line: number;
}

export interface ParsedImageList {
  kind: "image-data" | "window-data";
  entries: ImageListEntry[];
  /** 1-based numbers of lines that could not be read, with the reason. */
  malformed: { line: number; reason: string }[];
}

export interface ImageListStats {
  kind: "image-data" | "window-data";
  entries: number;
  labels: { histogram: Record<string, number>; distinct: number; min: number | null; max: number | null };
  labelOrder: LabelOrderStats;
  malformed: { count: number; lines: number[]; reasons: string[] };
  missing: { checked: number; count: number; first: string[] };
}

export interface ImageListOptions {
  /** Caffe's root_folder, prepended to each path by concatenation. */
  rootFolder?: string;
  /** Folder that relative image paths resolve against (Caffe's working folder); default process.cwd(). */
  baseDir?: string;
  /** Check at most this many files for existence (in list order); default all. 0 disables the check. */
  maxFileChecks?: number;
  /** How many examples to keep; default 5. */
  exampleLimit?: number;
}

const INTEGER = /^[+-]?\d+$/;

function parseImageData(lines: string[]): ParsedImageList {
  const entries: ImageListEntry[] = [];
  const malformed: { line: number; reason: string }[] = [];
  lines.forEach((raw, i) => {
    const text = raw.replace(/\r$/, "");
    if (text.trim() === "") return;
    const cut = text.lastIndexOf(" ");
    if (cut <= 0) {
      malformed.push({ line: i + 1, reason: "expected `path label`" });
      return;
    }
    const label = text.slice(cut + 1);
    if (!INTEGER.test(label)) {
      malformed.push({ line: i + 1, reason: `label ${JSON.stringify(label)} is not an integer (Caffe would read it as ${Number.parseInt(label, 10) || 0})` });
      return;
    }
    entries.push({ path: text.slice(0, cut), label: Number(label), line: i + 1 });
  });
  return { kind: "image-data", entries, malformed };
}

function parseWindowData(lines: string[]): ParsedImageList {
  const entries: ImageListEntry[] = [];
  const malformed: { line: number; reason: string }[] = [];
  let i = 0;
  const next = () => (i < lines.length ? lines[i++]!.replace(/\r$/, "").trim() : undefined);
  while (i < lines.length) {
    const headerLine = i + 1;
    const header = next();
    if (header === undefined || header === "") continue;
    if (!/^#\s*\d+$/.test(header)) {
      malformed.push({ line: headerLine, reason: "expected `# image_index`" });
      continue;
    }
    const imagePath = next();
    const dims = [next(), next(), next()];
    const count = next();
    if (!imagePath || dims.some((d) => d === undefined || !INTEGER.test(d)) || count === undefined || !INTEGER.test(count)) {
      malformed.push({ line: headerLine, reason: "incomplete image block (path, channels, height, width, window count)" });
      continue;
    }
    for (let w = 0; w < Number(count); w++) {
      const lineNo = i + 1;
      const fields = next()?.split(/\s+/) ?? [];
      if (fields.length !== 6 || !INTEGER.test(fields[0]!) || fields.slice(1).some((f) => Number.isNaN(Number(f)))) {
        malformed.push({ line: lineNo, reason: "expected `class_index overlap x1 y1 x2 y2`" });
        continue;
      }
      entries.push({ path: imagePath, label: Number(fields[0]), line: lineNo });
    }
  }
  return { kind: "window-data", entries, malformed };
}

/** Parses list-file text; a first non-blank line starting with `#` means the WindowData format. */
export function parseImageList(text: string): ParsedImageList {
  const lines = text.split("\n");
  const first = lines.find((l) => l.trim() !== "");
  return first?.trim().startsWith("#") ? parseWindowData(lines) : parseImageData(lines);
}

/**
 * Reads and summarises a list file. Throws ImageListError when the list itself
 * cannot be read; problems inside it are reported in the result.
 */
export function scanImageList(listFile: string, options: ImageListOptions = {}): ImageListStats {
  let text: string;
  try {
    text = fs.readFileSync(listFile, "utf8");
  } catch {
    throw new ImageListError(listFile, "cannot read the image list file");
  }
  const parsed = parseImageList(text);
  const limit = options.exampleLimit ?? 5;
  const counts = new Map<number, number>();
  for (const e of parsed.entries) counts.set(e.label, (counts.get(e.label) ?? 0) + 1);
  const sorted = [...counts.keys()].sort((a, b) => a - b);
  const histogram: Record<string, number> = {};
  for (const l of sorted) histogram[String(l)] = counts.get(l)!;

  const maxChecks = options.maxFileChecks ?? Infinity;
  const baseDir = options.baseDir ?? process.cwd();
  const root = options.rootFolder ?? "";
  const missing = { checked: 0, count: 0, first: [] as string[] };
  const seen = new Set<string>();
  for (const e of parsed.entries) {
    if (missing.checked >= maxChecks) break;
    if (seen.has(e.path)) continue; // WindowData repeats the image per window
    seen.add(e.path);
    missing.checked++;
    if (!fs.existsSync(path.resolve(baseDir, root + e.path))) {
      missing.count++;
      if (missing.first.length < limit) missing.first.push(root + e.path);
    }
  }
  return {
    kind: parsed.kind,
    entries: parsed.entries.length,
    labels: { histogram, distinct: sorted.length, min: sorted[0] ?? null, max: sorted.length ? sorted[sorted.length - 1]! : null },
    labelOrder: labelOrder(parsed.entries.map((e) => e.label)),
    malformed: {
      count: parsed.malformed.length,
      lines: parsed.malformed.slice(0, limit).map((m) => m.line),
      reasons: parsed.malformed.slice(0, limit).map((m) => m.reason),
    },
    missing,
  };
}
