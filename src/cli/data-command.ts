/** `bnlint data shuffle` and `bnlint data relabel`: the data fixes, written to a new LMDB, never in place. */
import { LabelMappingError, relabelLmdb, shuffleLmdb } from "../load/dataset-fixes.js";
import { LmdbError } from "../load/lmdb/index.js";
import { UsageError } from "./io.js";

function asUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof LmdbError || err instanceof LabelMappingError) throw new UsageError(err.message);
    throw err;
  }
}

export function shuffleCommand(src: string, dst: string, seed: number): string {
  const result = asUsage(() => shuffleLmdb(src, dst, seed));
  return `wrote ${result.count} records in shuffled order to ${dst} (seed ${seed}); point data_param.source at it\n`;
}

export function relabelCommand(src: string, dst: string, map: string): string {
  const result = asUsage(() => relabelLmdb(src, dst, map));
  const changed = Object.entries(result.changed).map(([from, n]) => `${from}: ${n}`).join(", ");
  return `wrote ${result.count} records to ${dst}; relabelled ${changed || "none"}${result.unmapped ? `; ${result.unmapped} records kept their label (not in the mapping)` : ""}\n`;
}
