/** ImageData and WindowData list files: labels, order, malformed lines, missing files. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ImageListError, parseImageList, scanImageList } from "../../src/load/image-list.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bnlint-imagelist-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("ImageData lists", () => {
  it("takes the last token as the label, so paths may hold spaces", () => {
    const parsed = parseImageList("a/b c.jpg 3\r\nplain.png 0\n\n");
    expect(parsed.entries).toEqual([
      { path: "a/b c.jpg", label: 3, line: 1 },
      { path: "plain.png", label: 0, line: 2 },
    ]);
    expect(parsed.malformed).toEqual([]);
  });

  it("reports malformed lines by number", () => {
    const parsed = parseImageList("ok.jpg 1\nnolabel.jpg\nbad.jpg cat\n\nfine.jpg -2\n");
    expect(parsed.malformed.map((m) => m.line)).toEqual([2, 3]);
    expect(parsed.entries.map((e) => e.label)).toEqual([1, -2]);
  });

  it("counts missing files under the root folder and judges label order", () => {
    const images = path.join(tmp, "imgs");
    fs.mkdirSync(images);
    const lines: string[] = [];
    for (let i = 0; i < 60; i++) {
      const name = `img ${i}.jpg`;
      if (i % 10 !== 3) fs.writeFileSync(path.join(images, name), "x");
      lines.push(`${name} ${Math.floor(i / 20)}`); // sorted by class: 20 x 0, 20 x 1, 20 x 2
    }
    const list = path.join(tmp, "train.txt");
    fs.writeFileSync(list, lines.join("\n") + "\n");
    const stats = scanImageList(list, { rootFolder: "imgs/", baseDir: tmp });
    expect(stats.kind).toBe("image-data");
    expect(stats.entries).toBe(60);
    expect(stats.labels.histogram).toEqual({ "0": 20, "1": 20, "2": 20 });
    expect(stats.missing).toEqual({ checked: 60, count: 6, first: ["imgs/img 3.jpg", "imgs/img 13.jpg", "imgs/img 23.jpg", "imgs/img 33.jpg", "imgs/img 43.jpg"] });
    expect(stats.labelOrder.verdict).toBe("unshuffled");
    expect(scanImageList(list, { rootFolder: "imgs/", baseDir: tmp, maxFileChecks: 0 }).missing.checked).toBe(0);

    const shuffled = lines.map((l, i) => lines[(i * 37) % 60]!); // 37 is coprime with 60: a permutation
    fs.writeFileSync(list, shuffled.join("\n"));
    expect(scanImageList(list, { maxFileChecks: 0 }).labelOrder.verdict).toBe("shuffled");
  });
});

describe("WindowData lists", () => {
  const text = [
    "# 0",
    "/data/a b.jpg",
    "3",
    "100",
    "200",
    "2",
    "1 0.9 10 10 50 50",
    "4 0.2 0 0 5 5",
    "# 1",
    "/data/c.jpg",
    "3",
    "100",
    "200",
    "1",
    "2 0.75 1 2 3",
    "",
  ].join("\n");

  it("reads windows' class labels and flags a short window line", () => {
    const parsed = parseImageList(text);
    expect(parsed.kind).toBe("window-data");
    expect(parsed.entries).toEqual([
      { path: "/data/a b.jpg", label: 1, line: 7 },
      { path: "/data/a b.jpg", label: 4, line: 8 },
    ]);
    expect(parsed.malformed).toEqual([{ line: 15, reason: expect.stringMatching(/class_index/) }]);
  });

  it("names an unreadable list file with a typed error", () => {
    expect(() => scanImageList(path.join(tmp, "no-such-list.txt"))).toThrow(ImageListError);
  });

  it("checks each image once", () => {
    const list = path.join(tmp, "windows.txt");
    fs.writeFileSync(list, text);
    const stats = scanImageList(list);
    expect(stats.missing).toMatchObject({ checked: 1, count: 1 });
    expect(stats.labels.histogram).toEqual({ "1": 1, "4": 1 });
  });
});
