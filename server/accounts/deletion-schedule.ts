/**
 * When the remote Deletes of deleted personas go out. Deleting an account
 * deletes its personas together; if their Deletes left together, every
 * server that knew two of them could tie them to one person. So each
 * persona's Delete is held back a random delay, and the personas of one
 * account are kept at least a minimum gap apart.
 */

/**
 * `count` delays in `[0, windowMs]`, at least `windowMs / (2 * count)` apart
 * from each other, in random order. The points are uniform among such
 * spacings: `count` uniform points in the window shrunk by the gaps, sorted,
 * then pushed apart by one gap each.
 */
export function spreadDelays(count: number, windowMs: number, random: () => number = Math.random): number[] {
  if (count <= 0) return [];
  if (windowMs <= 0) return new Array<number>(count).fill(0);
  const gap = minimumGap(count, windowMs);
  const room = windowMs - (count - 1) * gap;
  const points = Array.from({ length: count }, () => random() * room).sort((a, b) => a - b);
  const delays = points.map((p, i) => Math.round(p + i * gap));
  // Shuffle (Fisher-Yates): the order of the delays must not follow the order the personas were listed in.
  for (let i = delays.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [delays[i], delays[j]] = [delays[j] as number, delays[i] as number];
  }
  return delays;
}

/** The smallest distance {@link spreadDelays} keeps between two delays. */
export function minimumGap(count: number, windowMs: number): number {
  return count <= 1 ? 0 : windowMs / (2 * count);
}
