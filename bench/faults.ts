/**
 * `npm run bench -- faults`: the full fault-injection matrix on the in-memory world — every port
 * call of a good release and of a bad release, each failing before its side effect, after it, as
 * a timeout, as throttling, and (for notifications) as an outage that never ends — then every
 * scenario with reconcile started concurrently at seeded Task boundaries (RACE_SEEDS interleavings
 * each), with the safety invariants checked after every run.
 */

/** Seeded interleavings of reconcile with each scenario. */
const RACE_SEEDS = 100;
import {
  faultMatrix,
  FAULT_KINDS,
  runWithFault,
  runWithReconcileRace,
  SCENARIOS,
  type FaultRun,
} from '../test/support/fault-injection';
import { scheduleFaultRows } from '../test/support/scheduled-task-faults';
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
  const races: FaultRun[] = [];
  const raceRows: string[][] = [];
  for (const scenario of SCENARIOS) {
    let held = 0;
    for (let seed = 1; seed <= RACE_SEEDS; seed += 1) {
      const run = await runWithReconcileRace(scenario, seed);
      races.push(run);
      if (run.violations.length === 0) held += 1;
    }
    raceRows.push([scenario.name, `${held}/${RACE_SEEDS}`]);
  }
  const all = [...runs, ...races];
  const survived = all.filter((r) => r.violations.length === 0).length;
  const table = textTable(
    ['scenario / state', ...FAULT_KINDS],
    [...rows].map(([key, row]) => [key, ...FAULT_KINDS.map((k) => `${row[k]!.survived}/${row[k]!.total}`)]),
  );
  const outcomes: Record<string, number> = {};
  for (const run of all) outcomes[run.outcome ?? 'none'] = (outcomes[run.outcome ?? 'none'] ?? 0) + 1;
  const failures = all.filter((r) => r.violations.length > 0);
  const scheduled = await scheduleFaultRows();
  return {
    table:
      `fault injection (in-memory world; each cell: runs whose invariants held / runs)\n${table}\n\n` +
      `reconcile started concurrently at seeded Task boundaries (seeds 1..${RACE_SEEDS})\n` +
      `${textTable(['scenario', 'interleavings held'], raceRows)}\n\n` +
      `${survived} of ${all.length} injection points survived (${runs.length} faults, ${races.length} reconcile interleavings); outcomes ${JSON.stringify(outcomes)}; ${((Date.now() - started) / 1000).toFixed(1)} s` +
      (failures.length
        ? `\nVIOLATIONS:\n${failures.map((f) => `  ${f.scenario} ${JSON.stringify(f.point ?? ('seed' in f ? { seed: f.seed } : null))}: ${f.violations.join('; ')}`).join('\n')}`
        : '') +
      `\n\n${scheduled.table}`,
    data: { points: all.length, survived, outcomes, failures, runs, races, scheduled: scheduled.data },
  };
}
