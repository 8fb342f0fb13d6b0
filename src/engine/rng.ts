/**
 * Small seeded random numbers for the engine: a mulberry32 generator for
 * uniform [0, 1) values and Box-Muller for normal deviates. Runs are
 * reproducible for a given seed; they do not reproduce Caffe's own stream
 * (Caffe uses boost's mt19937), which is why weights come from a caffemodel
 * whenever numbers must match Caffe.
 */

/** A uniform [0, 1) generator seeded with a 32-bit integer (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = mulberry32Step(state);
    return mulberry32Output(state) / 4294967296;
  };
}

/**
 * The two halves of seededRandom for loops that keep the state themselves:
 * the next state, and the uint32 drawn from a state (seededRandom returns it
 * divided by 2^32). Same sequence as seededRandom(seed) from state seed >>> 0.
 */
export function mulberry32Step(state: number): number {
  return (state + 0x6d2b79f5) >>> 0;
}

export function mulberry32Output(state: number): number {
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}

/** One normal deviate N(mean, std^2) drawn from `random` by Box-Muller. */
export function gaussian(random: () => number, mean = 0, std = 1): number {
  // 1 - u lies in (0, 1], so the logarithm is finite.
  const u1 = 1 - random();
  const u2 = random();
  return mean + std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
