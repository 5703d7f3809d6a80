import { callSites, invariantViolations, runWithFault, SCENARIOS } from '../support/fault-injection';
import { memoryWorld } from '../support/memory-world';
import { faultAtEverySite } from '../support/safe-rollback';

const [good, bad] = SCENARIOS;

describe('fault injection', () => {
  it('finds the call sites of both paths, in the states that make them', async () => {
    const sites = await callSites(good!);
    const rollbackSites = await callSites(bad!);

    expect(sites.map((s) => `${s.state} ${s.call}`)).toEqual(
      expect.arrayContaining([
        'Prepare store.acquireLock',
        'ShiftTraffic router.setWeights',
        'RetireOldColor fleet.scale',
        'Promoted notifier.notify',
      ]),
    );
    expect(rollbackSites.map((s) => `${s.state} ${s.call}`)).toEqual(
      expect.arrayContaining([
        'Rollback router.setWeights',
        // Since the settle between weights and scale-down, the new color is scaled down in its own state.
        'ScaleDownNewColor fleet.scale',
        'RolledBack store.releaseLock',
      ]),
    );
  });

  it('reports the violations of a world left unsafe', () => {
    const world = memoryWorld();
    world.router.weights = { blue: 40, green: 60 };
    world.fleet.services.get('local/web-green')!.desiredCount = 2;
    void world.store.acquireLock('local/web', 'd-stuck', 1000, 0);

    const violations = invariantViolations(world, 'blue');

    expect(violations).toEqual([
      'traffic split: blue 40 % / green 60 %',
      'lock still held by d-stuck',
      'no deployment record',
      '0 outcome notifications',
    ]);
  });

  // A representative subset runs in `npm test`; `npm run bench -- faults` runs the whole matrix.
  it.each([
    ['good release', 'error-after'],
    ['good release', 'timeout'],
    ['bad release', 'error-before'],
    ['bad release', 'throttle'],
  ] as const)(
    'keeps every invariant when any call of the %s fails (%s)',
    async (scenarioName, kind) => {
      const scenario = SCENARIOS.find((s) => s.name === scenarioName)!;
      const { sites, failures } = await faultAtEverySite(scenario, kind);

      expect(failures).toEqual([]);
      expect(sites.length).toBeGreaterThan(20);
    },
    60_000,
  );

  it('rolls back (not forward) when the new color is launched but the step then dies', async () => {
    const sites = await callSites(good!);
    const launch = sites.find((s) => s.state === 'LaunchNewColor' && s.call === 'fleet.deploy')!;

    const run = await runWithFault(good!, { ...launch, kind: 'error-after' });

    expect(run.outcome).toBe('ROLLED_BACK');
    expect(run.violations).toEqual([]);
  });

  it('still promotes when scaling the old color down fails once after the bake', async () => {
    const sites = await callSites(good!);
    const retire = sites.find((s) => s.state === 'RetireOldColor' && s.call === 'fleet.scale')!;

    const run = await runWithFault(good!, { ...retire, kind: 'error-after' });

    expect(run.outcome).toBe('PROMOTED');
    expect(run.violations).toEqual([]);
  });
});
