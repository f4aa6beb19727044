/** An inclusive range of UDP/TCP ports. */
export interface PortRange {
  readonly min: number;
  readonly max: number;
}

/**
 * Splits `range` into `parts` contiguous, disjoint ranges whose sizes differ by
 * at most one port (the first ranges take the remainder).
 *
 * Why: each mediasoup worker picks RTC ports from its own range; two workers
 * given the same range would race for the same ports and fail transport
 * creation at random under load.
 *
 * @throws RangeError when the range is invalid or has fewer ports than parts
 */
export function splitPortRange(range: PortRange, parts: number): PortRange[] {
  const { min, max } = range;
  if (!Number.isInteger(parts) || parts < 1) {
    throw new RangeError(`cannot split a port range into ${parts} parts`);
  }
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max > 65535 || min > max) {
    throw new RangeError(`invalid port range ${min}-${max}`);
  }
  const total = max - min + 1;
  if (total < parts) {
    throw new RangeError(`port range ${min}-${max} has ${total} ports, fewer than the ${parts} workers that need one each`);
  }
  const base = Math.floor(total / parts);
  const remainder = total % parts;
  const ranges: PortRange[] = [];
  let next = min;
  for (let i = 0; i < parts; i++) {
    const size = base + (i < remainder ? 1 : 0);
    ranges.push({ min: next, max: next + size - 1 });
    next += size;
  }
  return ranges;
}
