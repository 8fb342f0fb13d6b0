/** How reporters show file paths: relative to the working directory, with forward slashes. */

import path from "node:path";

/** The path of `file` (absolute, or relative to `cwd`) relative to `cwd`, or undefined when it lies outside `cwd` or is `cwd` itself. */
export function pathInside(file: string, cwd: string): string | undefined {
  const rel = path.relative(cwd, path.resolve(cwd, file));
  const outside = rel === "" || rel === ".." || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel);
  return outside ? undefined : rel;
}

/** `file` relative to `cwd` when it lies inside it, else as given; always with '/' separators. */
export function displayPath(file: string, cwd: string): string {
  const shown = path.isAbsolute(file) ? (pathInside(file, cwd) ?? file) : file;
  return shown.split(path.sep).join("/");
}
