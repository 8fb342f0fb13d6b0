/**
 * `npm run bench`: every benchmark, or those named on the command line
 * (`npm run bench -- lint dataset`). Each reports ratios against a reference
 * measured in the same run.
 */
import * as dataset from "./dataset.js";
import * as engine from "./engine.js";
import * as engineMath from "./engine-math.js";
import * as lint from "./lint.js";
import * as log from "./log.js";
import * as prototxt from "./prototxt.js";
import * as schema from "./schema.js";

const benches: Record<string, { run(): Promise<void> }> = {
  prototxt,
  schema,
  lint,
  dataset,
  log,
  "engine-math": engineMath,
  engine,
};

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!(name in benches)) {
    console.error(`unknown benchmark '${name}' (have: ${Object.keys(benches).join(", ")})`);
    process.exit(2);
  }
}
for (const [name, bench] of Object.entries(benches)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  await bench.run();
}
