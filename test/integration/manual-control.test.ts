import { controlDeployment } from '../../functions/deploy/control';
import { InvalidInputError, ServiceStateError } from '../../shared/domain/errors';
import type { ManualAction } from '../../shared/domain/deployment';
import { memoryRequest, memoryWorld, runInMemory, type MemoryWorld } from '../support/memory-world';
import { specFor } from '../fixtures/spec';
import { onShift } from '../support/safe-rollback';

/** Runs `act` when the gate is evaluated for the `nth` time (1-based), as a person would between two evaluations. */
function onEvaluation(world: MemoryWorld, nth: number, act: () => Promise<unknown>) {
  const sample = world.metrics.sample.bind(world.metrics);
  let calls = 0;
  world.metrics.sample = async (...args) => {
    calls += 1;
    if (calls === nth) await act();
    return sample(...args);
  };
}

const command = (world: MemoryWorld, action: ManualAction, by = 'alice') =>
  controlDeployment(world, { deploymentId: 'd-1', action, by });

describe('manual control', () => {
  it('aborts a running deployment: it rolls back, naming who aborted', async () => {
    const world = memoryWorld();
    onEvaluation(world, 1, () => command(world, 'abort'));

    const result = await runInMemory(world, memoryRequest());

    expect(result.error).toBe('DeploymentRolledBack');
    expect(world.router.weights).toEqual({ blue: 100, green: 0 });
    expect(world.store.records.get('d-1')?.error?.cause).toContain('aborted by alice');
  });

  it('promotes early: the remaining steps are skipped, the bake still runs', async () => {
    const world = memoryWorld();
    onShift(world, 5, () => command(world, 'promote', 'bob'));

    const result = await runInMemory(world, memoryRequest());

    expect(result.status).toBe('SUCCEEDED');
    expect(world.router.history).toEqual([
      { blue: 95, green: 5 },
      { blue: 0, green: 100 },
    ]);
    expect(result.events.some((e) => e.type === 'StateEntered' && e.state === 'EvaluateBake')).toBe(true);
    expect(world.store.events.get('d-1')?.map((e) => e.type)).toContain('PROMOTED_EARLY');
  });

  it('holds a step that asks for approval until a person approves it', async () => {
    const world = memoryWorld();
    const spec = specFor(
      { plan: { steps: [{ weight: 5, approval: true }, { weight: 25 }] } },
      { pace: 'memory' },
    );
    let weightsWhenApproved: unknown;
    onEvaluation(world, 4, async () => {
      weightsWhenApproved = { ...world.router.weights };
      await command(world, 'approve', 'carol');
    });

    const result = await runInMemory(world, memoryRequest({ spec }));

    expect(result.status).toBe('SUCCEEDED');
    // Three passing evaluations went by at 5 % without moving on.
    expect(weightsWhenApproved).toEqual({ blue: 95, green: 5 });
    expect(world.store.records.get('d-1')?.approvedSteps).toEqual([0]);
    const waits = result.events.filter(
      (e) =>
        e.type === 'StateExited' &&
        e.state === 'Evaluate' &&
        (e.output as { observation: { reasons: string[] } }).observation.reasons[0] ===
          'gate passed; waiting for approval',
    );
    expect(waits.length).toBeGreaterThanOrEqual(3);
  });

  it('rolls back a step whose approval never comes before the step deadline', async () => {
    const world = memoryWorld();
    const spec = specFor({ plan: { steps: [{ weight: 5, approval: true }] } }, { pace: 'memory' });

    const result = await runInMemory(world, memoryRequest({ spec }));

    expect(result.error).toBe('DeploymentRolledBack');
    expect(world.store.records.get('d-1')?.error?.cause).toContain('no approval before the step deadline');
  });

  it('pauses (no step taken, no deadline running out) until resumed', async () => {
    const world = memoryWorld();
    const spec = specFor(
      {
        gate: { intervalSeconds: 1, minRequests: 20, consecutiveFailures: 2, stepTimeoutSeconds: 5 },
      },
      { pace: 'memory' },
    );
    onShift(world, 5, () => command(world, 'pause'));
    let weightsWhenResumed: unknown;
    onEvaluation(world, 30, async () => {
      weightsWhenResumed = { ...world.router.weights };
      await command(world, 'resume');
    });

    const result = await runInMemory(world, memoryRequest({ spec }));

    // 30 evaluations at 0.5 s per clock read outlast the 5 s step timeout: only the pause kept it alive.
    expect(weightsWhenResumed).toEqual({ blue: 95, green: 5 });
    expect(result.status).toBe('SUCCEEDED');
  });

  it('keeps renewing the lock lease while a paused deployment waits, so no newer deployment takes over', async () => {
    const world = memoryWorld();
    const leases: number[] = [];
    onShift(world, 5, () => command(world, 'pause'));
    const sample = world.metrics.sample.bind(world.metrics);
    world.metrics.sample = async (...args) => {
      leases.push(world.store.locks.get('local/web')!.expiresAt);
      if (leases.length === 10) await command(world, 'resume');
      return sample(...args);
    };

    const result = await runInMemory(world, memoryRequest());

    expect(result.status).toBe('SUCCEEDED');
    // Every evaluation pushed the lease further out.
    expect(leases.slice(0, 10).every((lease, i) => i === 0 || lease > leases[i - 1]!)).toBe(true);
  });

  it('refuses a command for an unknown or finished deployment, and an unknown action', async () => {
    const world = memoryWorld();
    await runInMemory(world, memoryRequest());

    await expect(command(world, 'abort')).rejects.toThrow(ServiceStateError);
    await expect(command(world, 'abort')).rejects.toThrow(
      'deployment d-1 has already ended (PROMOTED): nothing to abort',
    );
    await expect(
      controlDeployment(world, { deploymentId: 'd-404', action: 'abort', by: 'x' }),
    ).rejects.toThrow(InvalidInputError);
    await expect(
      controlDeployment(world, { deploymentId: 'd-1', action: 'explode', by: 'x' }),
    ).rejects.toThrow(/action/);
  });
});
