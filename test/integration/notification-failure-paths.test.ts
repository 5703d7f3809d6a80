import { NOTIFICATION_FAILED, NOTIFICATION_SENT } from '../../functions/deploy/finish';
import type { Notification } from '../../shared/ports/notifier';
import { SCENARIOS } from '../support/fault-injection';
import { memoryWorld, runInMemory, statesEntered, type MemoryWorld } from '../support/memory-world';

const [good, bad] = SCENARIOS;

/** SNS refuses the first `failures` outcome notifications; the lock is noted at each attempt. */
function failingNotifier(world: MemoryWorld, failures: number) {
  const locksAtAttempt: number[] = [];
  const send = world.notifier.notify.bind(world.notifier);
  let attempts = 0;
  world.notifier.notify = async (notification: Notification) => {
    attempts += 1;
    locksAtAttempt.push(world.store.locks.size);
    if (attempts <= failures) throw new Error('simulated SNS outage: InternalErrorException');
    return send(notification);
  };
  return { locksAtAttempt, attempts: () => attempts };
}

const eventTypes = (world: MemoryWorld) => (world.store.events.get('d-1') ?? []).map((e) => e.type);

describe('blue/green: a notification that cannot be sent', () => {
  it.each([
    ['good release', good!, 'Promoted', 'PROMOTED', 'SUCCEEDED'],
    ['bad release', bad!, 'RolledBack', 'ROLLED_BACK', 'FAILED'],
  ] as const)(
    '%s: the lock is free before the first send, the outcome recorded once, and "not sent" recorded',
    async (_name, scenario, state, outcome, status) => {
      const world = memoryWorld();
      scenario.prepare?.(world);
      const sns = failingNotifier(world, Infinity);

      const result = await runInMemory(world, scenario.request);

      expect(result.status).toBe(status);
      // Ended as the outcome says, not as FinishFailed: the deployment itself is done.
      expect(result.error).not.toBe('FinishFailed');
      expect(sns.locksAtAttempt).toEqual([0, 0, 0, 0]);
      expect(statesEntered(result).filter((s) => s === state)).toHaveLength(1);
      expect(world.store.records.get('d-1')?.status).toBe(outcome);
      expect(world.store.locks.size).toBe(0);
      expect(world.notifier.sent).toEqual([]);
      const types = eventTypes(world);
      expect(types.filter((t) => t === outcome)).toHaveLength(1);
      expect(types.filter((t) => t === NOTIFICATION_FAILED)).toHaveLength(1);
      expect(types).not.toContain(NOTIFICATION_SENT);
      expect(types.filter((t) => t === 'SCALING_RESTORED').length).toBeLessThanOrEqual(1);
    },
  );

  it('sends it on a retry of Finish, recording the failure and the late send, nothing twice', async () => {
    const world = memoryWorld();
    const sns = failingNotifier(world, 2);
    const endedAt: (number | undefined)[] = [];
    const update = world.store.updateDeployment.bind(world.store);
    world.store.updateDeployment = async (id, patch) => {
      if (patch.endedAt) endedAt.push(patch.endedAt);
      return update(id, patch);
    };

    const result = await runInMemory(world, good!.request);

    expect(result.status).toBe('SUCCEEDED');
    expect(sns.attempts()).toBe(3);
    expect(endedAt).toHaveLength(1);
    expect(world.notifier.sent.map((n) => n.attributes.outcome)).toEqual(['PROMOTED']);
    const types = eventTypes(world);
    expect(types.filter((t) => t === 'PROMOTED')).toHaveLength(1);
    expect(types.filter((t) => t === NOTIFICATION_FAILED)).toHaveLength(1);
    expect(types.filter((t) => t === NOTIFICATION_SENT)).toHaveLength(1);
    expect(types.indexOf(NOTIFICATION_FAILED)).toBeLessThan(types.indexOf(NOTIFICATION_SENT));
    expect(world.store.locks.size).toBe(0);
  });

  it('lets the next deployment of the service start while the notification is still failing', async () => {
    const world = memoryWorld();
    failingNotifier(world, Infinity);
    await runInMemory(world, good!.request);

    const next = await world.store.acquireLock('local/web', 'd-2', 60_000, world.clock.now());

    expect(next.acquired).toBe(true);
  });
});
