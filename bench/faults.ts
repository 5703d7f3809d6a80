/**
 * `npm run bench -- faults`: the full fault-injection matrix on the in-memory world — every port
 * call of a good release and of a bad release, each failing before its side effect, after it, as
 * a timeout and as throttling — with the safety invariants checked after every run.
 */
import { faultMatrix, FAULT_KINDS, runWithFault, type FaultRun } from '../test/support/fault-injection';
import type { BenchResult } from './run';
import { textTable } from './stats';

export async function faults(): Promise<BenchResult> {
  const started = Date.now();
  const runs: FaultRun[] = [];
  for (const { scenario, point } of await faultMatrix()) runs.push(await runWithFault(scenario, point));
  const rows = new Map<string, Record<string, { survived: number; total: number }>>();
  for (const run of runs) {
    const key = `${run.scenario} / ${run.point!.state}`;
    const row = rows.get(key) ?? Object.fromEntries(FAULT_KINDS.map((k) => [k, { survived: 0, total: 0 }]));
    const cell = row[run.point!.kind]!;
    cell.total += 1;
    if (run.violations.length === 0) cell.survived += 1;
    rows.set(key, row);
  }
  const survived = runs.filter((r) => r.violations.length === 0).length;
  const table = textTable(
    ['scenario / state', ...FAULT_KINDS],
    [...rows].map(([key, row]) => [key, ...FAULT_KINDS.map((k) => `${row[k]!.survived}/${row[k]!.total}`)]),
  );
  const outcomes: Record<string, number> = {};
  for (const run of runs) outcomes[run.outcome ?? 'none'] = (outcomes[run.outcome ?? 'none'] ?? 0) + 1;
  const failures = runs.filter((r) => r.violations.length > 0);
  return {
    table:
      `fault injection (in-memory world; each cell: runs whose invariants held / runs)\n${table}\n\n` +
      `${survived} of ${runs.length} injection points survived; outcomes ${JSON.stringify(outcomes)}; ${((Date.now() - started) / 1000).toFixed(1)} s` +
      (failures.length
        ? `\nVIOLATIONS:\n${failures.map((f) => `  ${JSON.stringify(f.point)}: ${f.violations.join('; ')}`).join('\n')}`
        : ''),
    data: { points: runs.length, survived, outcomes, failures, runs },
  };
}
