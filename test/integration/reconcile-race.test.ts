import { runWithReconcileRace, SCENARIOS, type RaceRun } from '../support/fault-injection';

/** Seeds per scenario in `npm test`; `npm run bench -- faults` runs more. */
const SEEDS = 60;

describe('reconcile racing deployments that finish', () => {
  it.each(SCENARIOS.map((s) => [s.name, s] as const))(
    '%s: every seeded interleaving ends with one live color, the lock free, the record true and one outcome',
    async (_name, scenario) => {
      const runs: RaceRun[] = [];
      for (let seed = 1; seed <= SEEDS; seed += 1) runs.push(await runWithReconcileRace(scenario, seed));

      const failures = runs
        .filter((r) => r.violations.length > 0)
        .map((r) => ({ seed: r.seed, reconcileAt: r.reconcileAt, violations: r.violations }));
      expect(failures).toEqual([]);
      // The runs did race: reconcile found the deployment open, yet never repaired it.
      expect(runs.every((r) => r.repairs === 0)).toBe(true);
    },
    120_000,
  );
});
