/**
 * The command line: argument parsing (yargs), running the pipeline, choosing a
 * reporter, writing its text, and mapping the outcome to an exit code:
 * 0 no errors, 1 errors (or more warnings than --max-warnings),
 * 2 usage error or input that cannot be read or parsed.
 */
import fs from "node:fs";
import path from "node:path";
import yargs from "yargs";
import { ConfigError } from "../config/errors.js";
import { hasParseErrors, lintFilesDetailed, type LintFilesOptions } from "../lint/lint-files.js";
import { applyFixes } from "./fix.js";
import { TOOL_VERSION } from "../lint/version.js";
import { formatters, formatterNames, isFormatterName } from "../report/formatters.js";
import { reportTotals } from "../report/finalize.js";
import { SchemaLoadError } from "../schema/load.js";
import { dumpFile } from "./dump.js";
import { explainRule, findRule, listRules } from "./explain.js";
import { UsageError, type CliIo } from "./io.js";
import { engineSettingsProblems } from "../engine/math/gemm.js";
import { attachLog, logToCsvCommand } from "./log-command.js";
import { relabelCommand, shuffleCommand } from "./data-command.js";

export interface LintArgs {
  files: string[];
  format: string;
  output?: string;
  config?: string;
  proto?: string;
  root?: string;
  weights?: string;
  stage: string[];
  level?: number;
  maxWarnings?: number;
  color?: boolean;
  log?: string;
  probe?: boolean;
  probeIters?: number;
  probeBatch?: number;
  probeSeed?: number;
  probeBudget?: number;
  inputShape?: string[];
  fix?: boolean;
  data?: boolean;
  maxRecords?: number;
}

async function lintCommand(args: LintArgs, io: CliIo): Promise<number> {
  if (!isFormatterName(args.format)) throw new UsageError(`unknown format '${args.format}' (use ${formatterNames.join(", ")})`);
  if (args.files.length === 0 && !args.log) throw new UsageError("no input: give a net or solver prototxt (and/or --log train.log); see 'bnlint --help'");
  const lintOptions: LintFilesOptions = {
    cwd: io.cwd,
    ...(args.config ? { configFile: args.config } : {}),
    ...(args.proto ? { proto: path.resolve(io.cwd, args.proto) } : {}),
    ...(args.root ? { root: args.root } : {}),
    ...(args.weights ? { weights: args.weights } : {}),
    ...(args.inputShape && args.inputShape.length > 0 ? { inputShapes: parseInputShapes(args.inputShape) } : {}),
    ...(args.stage.length > 0 ? { stages: args.stage } : {}),
    ...(args.level !== undefined ? { level: args.level } : {}),
    probeDefault: "auto",
    ...(io.stderrIsTTY ? { onDatasetProgress: datasetProgress(io) } : {}),
    ...(args.data === false ? { datasets: false } : {}),
    ...(args.maxRecords !== undefined ? { maxRecords: positive(args.maxRecords, "--max-records") } : {}),
    ...(args.probe !== undefined ? { probe: args.probe ? "force" : "off" } : {}),
    probeOptions: {
      ...(io.stderrIsTTY ? { onProgress: probeProgress(io) } : {}),
      ...(args.probeIters !== undefined ? { iterations: positive(args.probeIters, "--probe-iters") } : {}),
      ...(args.probeBatch !== undefined ? { batch: positive(args.probeBatch, "--probe-batch") } : {}),
      ...(args.probeSeed !== undefined ? { seed: args.probeSeed } : {}),
      ...(args.probeBudget !== undefined ? { budgetSeconds: positive(args.probeBudget, "--probe-budget") } : {}),
    },
  };
  const { report, outcomes, maxWarnings: configMaxWarnings } = lintFilesDetailed(args.files, lintOptions);
  const maxWarnings = args.maxWarnings ?? configMaxWarnings;
  let linted = report;
  if (args.fix) {
    const applied = applyFixes(report);
    for (const [file, count] of applied) io.stderr(`bnlint: applied ${count} fix${count === 1 ? "" : "es"} to ${path.relative(io.cwd, file) || file}\n`);
    // Report what is left after fixing, as ESLint does.
    if (applied.size > 0) linted = lintFilesDetailed(args.files, { ...lintOptions, probe: "off" }).report;
  }
  const finalReport = args.log ? await attachLog(linted, path.resolve(io.cwd, args.log), io, outcomes.find((o) => o.net)?.net) : linted;
  const color = args.color ?? (args.output === undefined && io.stdoutIsTTY && !io.env["NO_COLOR"]);
  const text = formatters[args.format](finalReport, { color, cwd: io.cwd });
  if (args.output) {
    fs.writeFileSync(path.resolve(io.cwd, args.output), text);
  } else {
    io.stdout(text);
  }
  if (hasParseErrors(finalReport)) return 2;
  const totals = reportTotals(finalReport);
  if (totals.errorCount > 0) return 1;
  if (maxWarnings !== undefined && maxWarnings >= 0 && totals.warningCount > maxWarnings) {
    io.stderr(`bnlint found ${totals.warningCount} warnings (more than ${args.maxWarnings !== undefined ? "--max-warnings" : "maxWarnings"} ${maxWarnings})\n`);
    return 1;
  }
  return 0;
}

/** `--input-shape NAME=N,C,H,W` values, by name; a malformed one is a usage error. */
export function parseInputShapes(values: readonly string[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const value of values) {
    const m = /^([^=\s]+)=(\d+(?:[,x×]\d+)*)$/.exec(value.trim());
    const dims = m ? m[2]!.split(/[,x×]/).map(Number) : [];
    if (!m || dims.some((d) => !Number.isInteger(d) || d < 1)) throw new UsageError(`--input-shape ${value}: expected NAME=N,C,H,W (a data layer's top or layer name and positive sizes, e.g. data=64,1,28,28)`);
    out[m[1]!] = dims;
  }
  return out;
}

/** A progress bar on stderr while a dataset takes more than a moment to read (terminal only). */
function datasetProgress(io: CliIo): (source: string, scanned: number, total: number) => void {
  let started = 0;
  let current = "";
  return (source, scanned, total) => {
    if (source !== current) {
      current = source;
      started = Date.now();
    }
    if (Date.now() - started < 300) return;
    const width = 30;
    const done = Math.min(width, Math.round((width * scanned) / Math.max(total, 1)));
    io.stderr(`\r\x1b[Kreading ${source} [${"#".repeat(done)}${" ".repeat(width - done)}] ${scanned}/${total}`);
    if (scanned >= total) io.stderr("\r\x1b[K");
  };
}

/** One self-overwriting stderr line per probe iteration, on a terminal only. */
function probeProgress(io: CliIo): (run: string, iteration: number, iterations: number, loss: number) => void {
  return (run, iteration, iterations, loss) => {
    const shown = Number.isFinite(loss) ? loss.toPrecision(5) : String(loss);
    io.stderr(`\r\x1b[Kprobe (${run.length > 40 ? `${run.slice(0, 37)}...` : run}): iteration ${iteration + 1}/${iterations}, loss ${shown}`);
    if (iteration + 1 === iterations || !Number.isFinite(loss)) io.stderr("\r\x1b[K");
  };
}

function positive(value: number, flag: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`${flag} must be a positive number (got ${value})`);
  return value;
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const envProblems = engineSettingsProblems();
  if (envProblems.length > 0) {
    for (const problem of envProblems) io.stderr(`bnlint: ${problem}\n`);
    return 2;
  }
  let exitCode = 0;
  const fail = (message: string): never => {
    throw new UsageError(message);
  };
  const parser = yargs(argv)
    .scriptName("bnlint")
    .usage("$0 [files..] [options]\n\nLint Caffe nets, solvers, datasets and training logs for causes of divergence.")
    .version(TOOL_VERSION)
    .exitProcess(false)
    .strict()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err) throw err;
      fail(msg ?? "invalid arguments");
    })
    .command(
      ["$0 [files..]", "lint"],
      "lint nets and solvers (the default command)",
      (y) =>
        y
          .positional("files", { type: "string", array: true, default: [] as string[], describe: "net or solver .prototxt files" })
          .option("format", { alias: "f", type: "string", default: "stylish", describe: `output format: ${formatterNames.join(", ")}` })
          .option("output", { alias: "o", type: "string", describe: "write the report to a file instead of stdout" })
          .option("config", { alias: "c", type: "string", describe: "use this configuration file instead of looking for .bnlintrc.json" })
          .option("proto", { type: "string", describe: "a Caffe fork's caffe.proto that replaces bnlint's (SSD, SegNet, ...)" })
          .option("root", { type: "string", describe: "extra directory to resolve nets and datasets against" })
          .option("weights", { type: "string", describe: "pretrained weights the training starts from (.caffemodel)" })
          .option("stage", { type: "string", array: true, default: [] as string[], describe: "NetState stages to instantiate the nets with" })
          .option("level", { type: "number", describe: "NetState level" })
          .option("max-warnings", { type: "number", describe: "exit with 1 when there are more warnings than this" })
          .option("color", { type: "boolean", describe: "force colour on or off (default: on for a terminal)" })
          .option("log", { type: "string", describe: "a Caffe training log to diagnose (with or without the net)" })
          .option("list-rules", { type: "boolean", describe: "list the rules and exit" })
          .option("data", { type: "boolean", describe: "read the datasets the data layers name (default true; --no-data to skip)" })
          .option("max-records", { type: "number", describe: "records read per dataset at most (a prefix in key order; default 100000)" })
          .option("fix", { type: "boolean", describe: "apply the automatic fixes to the prototxt files, then report what is left" })
          .option("probe", { type: "boolean", describe: "run the training probe (default: when a divergence finding exists); --no-probe to skip it" })
          .option("probe-iters", { type: "number", describe: "probe iterations (default 30)" })
          .option("probe-batch", { type: "number", describe: "probe batch size (default: the net's own, smaller only to fit the budget)" })
          .option("input-shape", { type: "string", array: true, describe: "shape of an input the net does not state, for the probe: NAME=N,C,H,W (repeatable)" })
          .option("probe-seed", { type: "number", describe: "seed of the probe's fillers and synthetic data (default 1701)" })
          .option("probe-budget", { type: "number", describe: "seconds the probe may take (default 60)" }),
      async (a) => {
        if (a["list-rules"]) {
          io.stdout(listRules());
          return;
        }
        exitCode = await lintCommand(
          {
            files: (a.files as string[]) ?? [],
            format: a.format,
            output: a.output,
            config: a.config,
            proto: a.proto,
            root: a.root,
            weights: a.weights,
            stage: a.stage as string[],
            level: a.level,
            maxWarnings: a["max-warnings"],
            color: a.color,
            log: a.log,
            fix: a.fix,
            data: a.data,
            maxRecords: a["max-records"],
            probe: a.probe,
            probeIters: a["probe-iters"],
            probeBatch: a["probe-batch"],
            probeSeed: a["probe-seed"],
            probeBudget: a["probe-budget"],
            inputShape: (a["input-shape"] as string[] | undefined)?.map(String),
          },
          io,
        );
      },
    )
    .command(
      "dump <file>",
      "print a prototxt as protobuf JSON (field names as in caffe.proto)",
      (y) =>
        y
          .positional("file", { type: "string", demandOption: true })
          .option("proto", { type: "string", describe: "a Caffe fork's caffe.proto" })
          .option("type", { type: "string", describe: "message type (default: NetParameter or SolverParameter by content)" }),
      (a) => {
        const result = dumpFile(path.resolve(io.cwd, a.file), { ...(a.proto ? { proto: path.resolve(io.cwd, a.proto) } : {}), ...(a.type ? { type: a.type } : {}) });
        if (result.errors.length > 0) {
          io.stderr(result.errors.map((e) => `${e}\n`).join(""));
          exitCode = 2;
          return;
        }
        io.stdout(result.json);
      },
    )
    .command(
      "explain <rule>",
      "show the documentation of a rule",
      (y) => y.positional("rule", { type: "string", demandOption: true }),
      (a) => {
        io.stdout(explainRule(findRule(a.rule)));
      },
    )
    .command("data", "fix a dataset by writing a corrected copy (never in place)", (y) =>
      y
        .command(
          "shuffle <src> <dst>",
          "write a copy of an LMDB with its records in random order (new %08d keys)",
          (z) => z.positional("src", { type: "string", demandOption: true }).positional("dst", { type: "string", demandOption: true }).option("seed", { type: "number", default: 1701 }),
          (a) => {
            io.stdout(shuffleCommand(path.resolve(io.cwd, a.src), path.resolve(io.cwd, a.dst), a.seed));
          },
        )
        .command(
          "relabel <src> <dst>",
          "write a copy of an LMDB with labels mapped, e.g. --map 1..10=0..9",
          (z) => z.positional("src", { type: "string", demandOption: true }).positional("dst", { type: "string", demandOption: true }).option("map", { type: "string", demandOption: true, describe: "label mapping: 1..10=0..9 or 3=0,7=1" }),
          (a) => {
            io.stdout(relabelCommand(path.resolve(io.cwd, a.src), path.resolve(io.cwd, a.dst), a.map));
          },
        )
        .demandCommand(1, "name a data command: shuffle or relabel"),
    )
    .command(
      "log-to-csv <log>",
      "export a Caffe training log's series (iteration, loss, lr, outputs) as CSV",
      (y) => y.positional("log", { type: "string", demandOption: true }).option("output", { alias: "o", type: "string" }),
      async (a) => {
        const csv = await logToCsvCommand(path.resolve(io.cwd, a.log));
        if (a.output) fs.writeFileSync(path.resolve(io.cwd, a.output), csv);
        else io.stdout(csv);
      },
    )
    .help()
    .alias("help", "h");

  try {
    await parser.parseAsync();
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError || err instanceof SchemaLoadError) {
      io.stderr(`bnlint: ${err.message}\n`);
      return 2;
    }
    if (err instanceof Error && err.name === "YError") {
      io.stderr(`bnlint: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  return exitCode;
}
