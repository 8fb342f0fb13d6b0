import { describe, expect, it } from "vitest";
import { displayPath, pathInside } from "../../src/report/paths.js";
import { artifactLocation } from "../../src/report/sarif.js";

describe("paths in reports", () => {
  it.each([
    ["/project/models/net.prototxt", "models/net.prototxt", { uri: "models/net.prototxt", uriBaseId: "%SRCROOT%" }],
    ["models/net.prototxt", "models/net.prototxt", { uri: "models/net.prototxt", uriBaseId: "%SRCROOT%" }],
    ["/projects/other.prototxt", "/projects/other.prototxt", { uri: "file:///projects/other.prototxt" }],
    ["/project/..odd/x #1.prototxt", "..odd/x #1.prototxt", { uri: "..odd/x%20%231.prototxt", uriBaseId: "%SRCROOT%" }],
    ["/elsewhere/net.prototxt", "/elsewhere/net.prototxt", { uri: "file:///elsewhere/net.prototxt" }],
  ])("%s", (file, shown, location) => {
    expect(displayPath(file, "/project")).toBe(shown);
    expect(artifactLocation(file, "/project")).toEqual(location);
  });

  it("treats cwd itself and its parent as outside", () => {
    expect(pathInside("/project", "/project")).toBeUndefined();
    expect(pathInside("/", "/project")).toBeUndefined();
    expect(pathInside("/project/a", "/project")).toBe("a");
  });
});
