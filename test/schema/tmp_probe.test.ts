import fs from "node:fs"; import path from "node:path";
import { it } from "vitest";
import { parseTextFormat } from "../../src/prototxt/index.js";
import { bindMessage, loadSchema, toProtoJson } from "../../src/schema/index.js";
it("x", () => {
  const C = "/work/shared/corpus"; const man = JSON.parse(fs.readFileSync(C + "/manifest.json", "utf8"));
  let t0 = performance.now(); const schema = loadSchema(); let t1 = performance.now(); console.log("load", t1 - t0);
  const srcs = man.map((e: any) => fs.readFileSync(path.join(C, e.file), "utf8"));
  let tp = 0, tb = 0, tj = 0;
  for (let k = 0; k < 3; k++) { tp = tb = tj = 0;
  man.forEach((e: any, i: number) => { let a = performance.now(); let d; try { d = parseTextFormat(srcs[i]); } catch { return; } let b = performance.now(); const r = bindMessage(d, e.message, schema); let c = performance.now(); toProtoJson(r.message, e.message, schema); let q = performance.now(); tp += b - a; tb += c - b; tj += q - c; });
  console.log("parse", tp, "bind", tb, "json", tj); }
}, 60000);
