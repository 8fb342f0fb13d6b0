/**
 * Loading the protobuf schema that prototxt files are bound against: by
 * default bnlint's own caffe.proto (shipped in the package), or a fork's
 * caffe.proto given by the user (SSD, SegNet, Faster R-CNN, ... add fields).
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";

/** A loaded, fully resolved schema. */
export interface Schema {
  root: protobuf.Root;
  /** The .proto file it was read from. */
  protoPath: string;
  /** The package of the main file ("caffe" for Caffe and its forks). */
  packageName: string;
}

/** A .proto file that cannot be read or is not valid; `message` starts with file:line when known. */
export class SchemaLoadError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
  ) {
    super(line === undefined ? `${file}: ${message}` : `${file}:${line}: ${message}`);
    this.name = "SchemaLoadError";
  }
}

/** Walks up from this module's folder to the package root (the folder holding package.json). */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fs.existsSync(path.join(dir, "package.json"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("bnlint: cannot find the package root (package.json) above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** Path of the caffe.proto that ships with bnlint. */
export function defaultProtoPath(): string {
  return path.join(packageRoot(), "src", "schema", "caffe.proto");
}

function readProto(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SchemaLoadError(code === "ENOENT" ? "no such file" : `cannot read (${code ?? String(err)})`, file);
  }
}

/**
 * protobufjs reports "duplicate name 'x' in Type Y" without a line: the line
 * of the second declaration of `x` inside `message Y { ... }`, if it can be found.
 */
function duplicateLine(source: string, error: string): number | undefined {
  const m = /duplicate name '(\w+)' in Type (\w+)/.exec(error);
  if (!m) return undefined;
  const [, name, typeName] = m;
  const lines = source.split("\n");
  const declaration = new RegExp(`(^|[\\s;{])(optional|required|repeated)?\\s*[\\w.]+\\s+${name}\\s*=`);
  let depth = -1;
  let seen = 0;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.replace(/\/\/.*$/, "");
    if (depth < 0) {
      if (new RegExp(`\\bmessage\\s+${typeName}\\b`).test(text)) depth = 0;
      else continue;
    }
    if (declaration.test(text) && ++seen === 2) return i + 1;
    for (const c of text) {
      if (c === "{") depth++;
      else if (c === "}" && --depth === 0) return undefined;
    }
  }
  return undefined;
}

/** Parses one file into `root`, then its imports (relative to the file, skipping google/protobuf ones protobufjs knows). */
function parseInto(root: protobuf.Root, file: string, seen: Set<string>): string | undefined {
  const abs = path.resolve(file);
  if (seen.has(abs)) return undefined;
  seen.add(abs);
  const source = readProto(abs);
  let result: protobuf.IParserResult;
  try {
    result = protobuf.parse(source, root, { keepCase: true });
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    const m = /^(.*?)\s*\((?:[^,()]*, )?line (\d+)\)$/.exec(text);
    if (m) throw new SchemaLoadError(m[1]!, file, Number(m[2]));
    throw new SchemaLoadError(text, file, duplicateLine(source, text));
  }
  for (const imp of [...(result.imports ?? []), ...(result.weakImports ?? [])]) {
    if (imp.startsWith("google/protobuf/")) {
      const common = protobuf.common.get(imp);
      if (common) {
        root.addJSON(common.nested ?? {});
        continue;
      }
    }
    const target = path.resolve(path.dirname(abs), imp);
    if (!fs.existsSync(target)) throw new SchemaLoadError(`imported file "${imp}" not found next to it`, file);
    parseInto(root, target, seen);
  }
  return result.package;
}

/**
 * Loads a schema. Without an argument: bnlint's caffe.proto. With a path: that
 * file (and its imports) instead, e.g. a fork's caffe.proto.
 * Throws SchemaLoadError (file:line: message) for a missing or invalid file.
 */
export function loadSchema(protoPath?: string): Schema {
  const file = protoPath ?? defaultProtoPath();
  const root = new protobuf.Root();
  const packageName = parseInto(root, file, new Set()) ?? "";
  try {
    root.resolveAll();
  } catch (err) {
    throw new SchemaLoadError(err instanceof Error ? err.message : String(err), file);
  }
  return { root, protoPath: file, packageName };
}

/**
 * The message type named `typeName` ("caffe.NetParameter"; a name without a
 * package is looked up in the schema's package). Throws SchemaLoadError when there is none.
 */
export function messageType(schema: Schema, typeName: string): protobuf.Type {
  const candidates = [typeName];
  if (schema.packageName && !typeName.startsWith(schema.packageName + ".")) candidates.push(`${schema.packageName}.${typeName}`);
  for (const name of candidates) {
    const found = schema.root.lookup(name);
    if (found instanceof protobuf.Type) return found;
  }
  // A user's --proto file may lack the type: that is bad input, not a bug.
  throw new SchemaLoadError(`has no message type "${typeName}"`, schema.protoPath);
}

/** What binding and printing need to know about a message type, computed once per type. */
export interface TypeInfo {
  /** Full name without the leading dot: "caffe.LayerParameter". */
  name: string;
  /** Fields in field-number order. */
  fieldsByNumber: protobuf.Field[];
  fieldNames: string[];
  requiredFields: protobuf.Field[];
  /** Per field name: the field and, for message fields, its message type (saves instanceof checks in hot loops). */
  byName: Map<string, { field: protobuf.Field; messageType?: protobuf.Type }>;
}

const typeInfos = new WeakMap<protobuf.Type, TypeInfo>();

export function typeInfo(type: protobuf.Type): TypeInfo {
  let info = typeInfos.get(type);
  if (!info) {
    const fieldsByNumber = type.fieldsArray.slice().sort((a, b) => a.id - b.id);
    info = {
      name: type.fullName.replace(/^\./, ""),
      fieldsByNumber,
      fieldNames: fieldsByNumber.map((f) => f.name),
      requiredFields: fieldsByNumber.filter((f) => f.required),
      byName: new Map(
        fieldsByNumber.map((field) => [field.name, field.resolvedType instanceof protobuf.Type ? { field, messageType: field.resolvedType } : { field }]),
      ),
    };
    typeInfos.set(type, info);
  }
  return info;
}
