/** Small descriptive statistics for benchmark output. */
export { textTable } from '../bin/text-table';

export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index]!;
}

export const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
