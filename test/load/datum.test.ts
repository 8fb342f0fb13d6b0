/**
 * The hand-written caffe.Datum decoder/encoder against protobufjs decoding
 * and encoding of the same messages.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../src/engine/rng.js";
import { DatumDecodeError, decodeDatum, encodeDatum, replaceDatumLabel, tryDecodeDatum } from "../../src/load/datum.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const CAFFE_PROTO = path.join(REPO, "src/schema/caffe.proto");

/** Datum as BVLC's caffe.proto declares it; a packed variant to test both float encodings. */
const INLINE = protobuf.parse(`
syntax = "proto2";
package t;
message Datum {
  optional int32 channels = 1; optional int32 height = 2; optional int32 width = 3;
  optional bytes data = 4; optional int32 label = 5;
  repeated float float_data = 6; optional bool encoded = 7 [default = false];
}
message PackedDatum {
  optional int32 channels = 1; optional int32 height = 2; optional int32 width = 3;
  optional bytes data = 4; optional int32 label = 5;
  repeated float float_data = 6 [packed = true]; optional bool encoded = 7;
  optional string extra = 15; optional fixed64 extra64 = 16;
}`, { keepCase: true }).root;
const Datum = INLINE.lookupType("t.Datum");
const PackedDatum = INLINE.lookupType("t.PackedDatum");

interface Plain {
  channels?: number;
  height?: number;
  width?: number;
  data?: Uint8Array;
  label?: number;
  float_data?: number[];
  encoded?: boolean;
  extra?: string;
  extra64?: number;
}

function randomMessage(r: () => number, i: number): Plain {
  const c = 1 + Math.floor(r() * 3);
  const h = 1 + Math.floor(r() * 6);
  const w = 1 + Math.floor(r() * 300);
  const m: Plain = { channels: c, height: h, width: w, label: Math.floor(r() * 2000) - 1000 };
  if (i % 3 === 0) m.float_data = Array.from({ length: c * h * w }, () => Math.fround(r() * 4 - 2));
  else m.data = Uint8Array.from({ length: c * h * w }, () => Math.floor(r() * 256));
  if (i % 5 === 0) m.encoded = true;
  if (i % 7 === 0) m.label = -2147483648;
  return m;
}

/** protobufjs's view of a message, in DatumLike's shape. */
function viaProtobufjs(type: protobuf.Type, bytes: Uint8Array) {
  const o = type.toObject(type.decode(bytes), { defaults: true, bytes: Array }) as Record<string, unknown>;
  const floats = o.float_data as number[];
  const data = o.data as number[];
  return {
    channels: o.channels,
    height: o.height,
    width: o.width,
    label: o.label,
    data: data.length ? data : undefined,
    float_data: floats.length ? floats : undefined,
    encoded: o.encoded ? true : undefined,
  };
}
function ours(bytes: Uint8Array) {
  const d = decodeDatum(bytes);
  return {
    channels: d.channels,
    height: d.height,
    width: d.width,
    label: d.label,
    data: d.data ? Array.from(d.data) : undefined,
    float_data: d.float_data ? Array.from(d.float_data) : undefined,
    encoded: d.encoded,
  };
}

describe("decodeDatum", () => {
  const r = seededRandom(7);
  for (const [name, type] of [
    ["unpacked float_data (Caffe's schema)", Datum],
    ["packed float_data, unknown fields", PackedDatum],
  ] as const) {
    it(`agrees with protobufjs: ${name}`, () => {
      for (let i = 0; i < 60; i++) {
        const m = randomMessage(r, i);
        if (type === PackedDatum && i % 2) Object.assign(m, { extra: "x".repeat(i), extra64: i });
        const bytes = type.encode(type.fromObject(m)).finish();
        expect(ours(bytes)).toEqual(viaProtobufjs(type, bytes));
      }
    });
  }

  it("decodes an empty message to zero defaults", () => {
    expect(decodeDatum(new Uint8Array(0))).toEqual({ channels: 0, height: 0, width: 0, label: 0 });
  });

  it("reports truncated and malformed records, as protobufjs does", () => {
    const bytes = Datum.encode(Datum.fromObject({ channels: 1, height: 2, width: 2, data: new Uint8Array([1, 2, 3, 4]), label: 3 })).finish();
    for (const cut of [1, 7, 9]) {
      const broken = bytes.subarray(0, bytes.length - cut);
      expect(() => Datum.decode(broken)).toThrow();
      expect(() => decodeDatum(broken)).toThrow(DatumDecodeError);
      expect(tryDecodeDatum(broken).error).toMatch(/truncated|past the end/);
    }
    expect(tryDecodeDatum(new Uint8Array([0x0f, 0x01])).error).toMatch(/wire type/);
    expect(tryDecodeDatum(Uint8Array.from(new TextEncoder().encode("JFIF random header"))).datum).toBeUndefined();
  });
});

describe("encodeDatum and replaceDatumLabel", () => {
  it("encodeDatum produces what protobufjs encodes for Caffe's schema", () => {
    const r = seededRandom(11);
    for (let i = 0; i < 40; i++) {
      const m = randomMessage(r, i);
      const expected = Datum.encode(Datum.fromObject(m)).finish();
      const got = encodeDatum({
        channels: m.channels!,
        height: m.height!,
        width: m.width!,
        label: m.label!,
        data: m.data,
        float_data: m.float_data,
        encoded: m.encoded,
      });
      expect(Buffer.from(got).toString("hex")).toBe(Buffer.from(expected).toString("hex"));
    }
  });

  it("replaceDatumLabel changes only the label", () => {
    const m = { channels: 3, height: 2, width: 1, data: new Uint8Array([9, 8, 7, 6, 5, 4]), label: 10 };
    const bytes = Datum.encode(Datum.fromObject(m)).finish();
    for (const label of [0, 9, -3, 300]) {
      const back = Datum.toObject(Datum.decode(replaceDatumLabel(bytes, label)), { defaults: true, bytes: Array });
      expect(back).toMatchObject({ channels: 3, height: 2, width: 1, data: [9, 8, 7, 6, 5, 4], label });
    }
  });
});

describe.skipIf(!fs.existsSync(CAFFE_PROTO))("decodeDatum with the project's caffe.proto", () => {
  it("agrees with caffe.Datum from src/schema/caffe.proto", () => {
    const type = new protobuf.Root().loadSync(CAFFE_PROTO, { keepCase: true }).lookupType("caffe.Datum");
    const r = seededRandom(3);
    for (let i = 0; i < 20; i++) {
      const bytes = type.encode(type.fromObject(randomMessage(r, i))).finish();
      expect(ours(bytes)).toEqual(viaProtobufjs(type, bytes));
    }
  });
});
