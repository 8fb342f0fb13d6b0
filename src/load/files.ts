/**
 * Reading the files bnlint is given and the files they name. Only reads:
 * nothing in this stage writes to user data. A FileSource lets tests and the
 * library API lint in-memory files.
 */
import fs from "node:fs";
import path from "node:path";

export interface FileSource {
  read(file: string): string | undefined;
  exists(file: string): boolean;
}

/** The real file system. */
export const diskFiles: FileSource = {
  read(file) {
    try {
      return fs.readFileSync(file, "utf8");
    } catch {
      return undefined;
    }
  },
  exists(file) {
    return fs.existsSync(file);
  },
};

/** In-memory files (paths are resolved to absolute form); falls back to nothing. */
export function memoryFiles(entries: Record<string, string>, cwd = process.cwd()): FileSource {
  const map = new Map(Object.entries(entries).map(([k, v]) => [path.resolve(cwd, k), v]));
  return {
    read: (file) => map.get(path.resolve(cwd, file)),
    exists: (file) => map.has(path.resolve(cwd, file)),
  };
}

/** Reads a text file; undefined when it cannot be read. */
export function readTextFile(file: string, files: FileSource = diskFiles): string | undefined {
  return files.read(file);
}

export interface ResolveOptions {
  cwd?: string;
  root?: string;
  files?: FileSource;
}

/**
 * Resolves a path that a net or solver names. Caffe resolves it against the
 * directory it is started from, which bnlint cannot know; it tries the current
 * directory, the directory of the file that names it, and --root, in that order.
 */
export function resolveReference(reference: string, fromFile: string, options: ResolveOptions = {}): { path?: string; tried: string[] } {
  const files = options.files ?? diskFiles;
  const cwd = options.cwd ?? process.cwd();
  if (path.isAbsolute(reference)) return files.exists(reference) ? { path: reference, tried: [reference] } : { tried: [reference] };
  const bases = [cwd, path.dirname(path.resolve(cwd, fromFile)), ...(options.root ? [path.resolve(cwd, options.root)] : [])];
  const tried: string[] = [];
  for (const base of bases) {
    const candidate = path.resolve(base, reference);
    if (tried.includes(candidate)) continue;
    tried.push(candidate);
    if (files.exists(candidate)) return { path: candidate, tried };
  }
  return { tried: tried.map((t) => path.relative(cwd, t) || ".") };
}
