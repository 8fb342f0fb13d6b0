/**
 * A small, deterministic "digits" dataset for the bundled example and the
 * probe tests: 1x28x28 uint8 images, one blurred stroke template per class
 * plus a random shift and noise, labels 0..9 in shuffled order, keys %08d.
 */
import { encodeDatum } from "../../src/load/datum.js";
import { seededRandom } from "../../src/engine/rng.js";

const SIZE = 28;

function template(label: number): Float32Array {
  const img = new Float32Array(SIZE * SIZE);
  // Each class: a few strokes at class-specific angles and offsets.
  for (let s = 0; s < 3; s++) {
    const angle = ((label * 37 + s * 61) % 180) * (Math.PI / 180);
    const cx = 14 + ((label * 5 + s * 3) % 7) - 3;
    const cy = 14 + ((label * 3 + s * 5) % 7) - 3;
    for (let t = -9; t <= 9; t += 0.5) {
      const x = Math.round(cx + t * Math.cos(angle));
      const y = Math.round(cy + t * Math.sin(angle));
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
        const xx = x + dx;
        const yy = y + dy;
        if (xx >= 0 && xx < SIZE && yy >= 0 && yy < SIZE) img[yy * SIZE + xx] = Math.max(img[yy * SIZE + xx]!, dx === 0 && dy === 0 ? 1 : 0.6);
      }
    }
  }
  return img;
}

/** Key/value entries of a Caffe LMDB of `count` digit records, sorted by key. */
export function digitEntries(count: number, seed = 7): { key: Uint8Array; value: Uint8Array }[] {
  const random = seededRandom(seed);
  const templates = Array.from({ length: 10 }, (_, i) => template(i));
  const labels = Array.from({ length: count }, (_, i) => i % 10);
  for (let i = labels.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [labels[i], labels[j]] = [labels[j]!, labels[i]!];
  }
  const enc = new TextEncoder();
  return labels.map((label, i) => {
    const shiftX = Math.floor(random() * 5) - 2;
    const shiftY = Math.floor(random() * 5) - 2;
    const data = new Uint8Array(SIZE * SIZE);
    const t = templates[label]!;
    for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) {
      const sx = x - shiftX;
      const sy = y - shiftY;
      const v = sx >= 0 && sx < SIZE && sy >= 0 && sy < SIZE ? t[sy * SIZE + sx]! : 0;
      data[y * SIZE + x] = Math.max(0, Math.min(255, Math.round(v * 230 + random() * 25)));
    }
    return { key: enc.encode(String(i).padStart(8, "0")), value: encodeDatum({ channels: 1, height: SIZE, width: SIZE, data, label }) };
  });
}
