/** Small descriptive statistics for benchmark output. */
export { textTable } from '../bin/text-table';

export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index]!;
}

/**
 * A command-line option read as an integer, within `[min, max]` when given. Throws naming the
 * option: `--runs: expected 1 to 100000, got 0`.
 */
export function integerOption(name: string, value: string | undefined, min?: number, max?: number): number {
  const n = Number(value);
  if (min === undefined || max === undefined) {
    if (!Number.isInteger(n)) throw new Error(`--${name}: expected an integer, got ${value}`);
    return n;
  }
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`--${name}: expected ${min} to ${max}, got ${value}`);
  return n;
}

export const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
