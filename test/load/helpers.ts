/** Helpers shared by the load tests (not tests themselves). */
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";

/** sha256 over, in order, u32le(len(key)) key u32le(len(value)) value; plus the record count. */
export function recordsDigest(entries: Iterable<{ key: Uint8Array; value: Uint8Array }>): { sha256: string; count: number } {
  const h = crypto.createHash("sha256");
  const len = Buffer.alloc(4);
  let count = 0;
  for (const { key, value } of entries) {
    len.writeUInt32LE(key.length);
    h.update(len);
    h.update(key);
    len.writeUInt32LE(value.length);
    h.update(len);
    h.update(value);
    count++;
  }
  return { sha256: h.digest("hex"), count };
}

/** Whether a command is on PATH (for tests that need the reference LMDB tools). */
export function onPath(tool: string): boolean {
  try {
    execFileSync("which", [tool], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
