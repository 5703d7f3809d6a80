/**
 * The rehearsal's lag-free metrics model (1-s periods, no publication delay) on a deployment that
 * targets AWS: refused where the deployment is asked for (API, pipeline: startDeployment) and at
 * Prepare, before anything runs or changes, naming the field; not at the first evaluation, after
 * the new color was launched.
 */
import { prepare } from '../../../functions/deploy/prepare';
import { startDeployment } from '../../../functions/deploy/start';
import { InvalidInputError } from '../../../shared/domain/errors';
import { cloudWatchModelIssues, DEFAULT_METRICS_MODEL } from '../../../shared/domain/gate';
import { lockKey } from '../../../shared/domain/deployment';
import { SpecSchema } from '../../../shared/domain/spec';
import { LocalExecutions } from '../../../shared/local/sfn/local-executions';
import { specFor } from '../../fixtures/spec';
import { ManualClock, silentLogger } from '../../support/memory-ports';
import { memoryRequest, memoryWorld } from '../../support/memory-world';

const LAG_FREE = { periodSeconds: 1, publishDelaySeconds: 0 };

describe('cloudWatchModelIssues', () => {
  it("refuses the rehearsal's lag-free model and any period that is not whole minutes, naming metrics.periodSeconds", () => {
    const [issue] = cloudWatchModelIssues(LAG_FREE);
    expect(issue?.path).toEqual(['metrics', 'periodSeconds']);
    expect(issue?.message).toMatch(/the rehearsal's lag-free model/);
    expect(cloudWatchModelIssues(DEFAULT_METRICS_MODEL)).toEqual([]);
    expect(cloudWatchModelIssues({ periodSeconds: 300, publishDelaySeconds: 120 })).toEqual([]);
  });
});

describe('startDeployment on AWS (metricsModelIssues: cloudWatchModelIssues)', () => {
  function world() {
    const runs: string[] = [];
    const executions = new LocalExecutions(async (id) => {
      runs.push(id);
      return true;
    });
    const deps = { executions, clock: new ManualClock(), logger: silentLogger() };
    return { deps, runs };
  }

  it('refuses a lag-free spec before any execution starts, naming spec.metrics.periodSeconds', async () => {
    // Prepare
    const { deps, runs } = world();
    const request = { image: 'registry/web:2', spec: specFor({ metrics: LAG_FREE }) };

    // Act
    const starting = startDeployment({ ...deps, metricsModelIssues: cloudWatchModelIssues }, request);

    // Assess
    await expect(starting).rejects.toThrow(InvalidInputError);
    await expect(starting).rejects.toMatchObject({ issues: [{ path: 'spec.metrics.periodSeconds' }] });
    await expect(starting).rejects.toThrow(/^spec\.metrics\.periodSeconds: /);
    expect(runs).toEqual([]);
  });

  it('starts the same spec on CloudWatch’s model, and the lag-free one where no check is given (the rehearsal)', async () => {
    const { deps, runs } = world();
    const aws = { image: 'registry/web:2', spec: { ...specFor(), metrics: DEFAULT_METRICS_MODEL } };
    await startDeployment({ ...deps, metricsModelIssues: cloudWatchModelIssues }, aws, {
      idempotencyKey: 'a',
    });
    await startDeployment(deps, { image: 'registry/web:2', spec: specFor({ metrics: LAG_FREE }) });
    expect(runs).toHaveLength(2);
  });
});

describe('Prepare on AWS (metricsModelIssues: cloudWatchModelIssues)', () => {
  it('refuses a lag-free spec before taking the lock or changing anything, naming spec.metrics.periodSeconds', async () => {
    // Prepare
    const world = memoryWorld();
    const request = memoryRequest({ spec: specFor({ metrics: LAG_FREE }, { pace: 'memory' }) });
    const spec = SpecSchema.parse(request.spec);

    // Act
    const preparing = prepare({ ...world, metricsModelIssues: cloudWatchModelIssues }, request);

    // Assess
    await expect(preparing).rejects.toThrow(InvalidInputError);
    await expect(preparing).rejects.toMatchObject({ issues: [{ path: 'spec.metrics.periodSeconds' }] });
    expect(await world.store.getDeployment('d-1')).toBeNull();
    const lock = await world.store.acquireLock(lockKey(spec), 'someone-else', 60_000, world.clock.now());
    expect(lock.acquired).toBe(true);
  });

  it('prepares the same spec without the check (the rehearsal)', async () => {
    const world = memoryWorld();
    const request = memoryRequest({ spec: specFor({ metrics: LAG_FREE }, { pace: 'memory' }) });
    await expect(prepare(world, request)).resolves.toMatchObject({ deployment: { liveColor: 'blue' } });
  });
});
