/** How reporters show file paths: relative to the working directory, with forward slashes. */

import path from "node:path";

/** `file` relative to `cwd` when it lies inside it, else as given; always with '/' separators. */
export function displayPath(file: string, cwd: string): string {
  const rel = path.isAbsolute(file) ? path.relative(cwd, file) : file;
  const outside = rel === ".." || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel);
  const shown = rel === "" ? path.basename(file) : outside && path.isAbsolute(file) ? file : rel;
  return shown.split(path.sep).join("/");
}
