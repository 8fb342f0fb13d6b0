#!/usr/bin/env node
/** The `bnlint` executable: runs the CLI and exits with its code. An unexpected failure is a bug: say so briefly. */
import { processIo } from "./io.js";
import { run } from "./run.js";

run(process.argv.slice(2), processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bnlint: internal error: ${err instanceof Error ? err.message : String(err)}\n(please report this with the input that caused it; BNLINT_DEBUG=1 shows details)\n`);
    if (process.env["BNLINT_DEBUG"]) process.stderr.write(`${err instanceof Error ? err.stack : ""}\n`);
    process.exitCode = 2;
  },
);
