/**
 * Sizes of the reliability suites: small in `npm test`, full in
 * `npm run stress` (which sets HEARTH_STRESS=1 for the test processes).
 */
export const STRESS = process.env['HEARTH_STRESS'] === '1';

/** `small` in the normal test run, `full` under `npm run stress`. */
export function stressSize(small: number, full: number): number {
  return STRESS ? full : small;
}
