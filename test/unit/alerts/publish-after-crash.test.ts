/**
 * The function dying between a publish and the record of its outcome: the invocation that takes
 * the claim over after the lease republishes that message once at most, never counts the stop
 * twice, and an invocation that lost its claim publishes nothing more.
 */
import { handleTaskStopped, type TaskStoppedDeps } from '../../../functions/alerts/task-stopped';
import { DEFAULT_ALERT_POLICY } from '../../../shared/domain/alerts/policy';
import { MAX_UNCONFIRMED_PUBLISHES } from '../../../shared/domain/alerts/tally';
import { createLogger } from '../../../shared/lambda';
import type { Notification, Notifier } from '../../../shared/ports/notifier';
import { loadEvent } from '../../fixtures/ecs-events';
import { MemoryAlertStore } from '../../support/memory-alert-store';
import { ManualClock } from '../../support/memory-ports';

const LEASE = DEFAULT_ALERT_POLICY.claimLeaseMs;

/** Records every publish; `dieAfter` publishes "kill" the function: the call never returns. */
class DyingNotifier implements Notifier {
  sent: Notification[] = [];
  dieAfter: number[] = [];
  private calls = 0;
  async notify(notification: Notification): Promise<void> {
    this.sent.push(structuredClone(notification));
    if (this.dieAfter.includes(++this.calls)) await new Promise<never>(() => undefined);
  }
}

function setup() {
  const clock = new ManualClock(Date.UTC(2026, 2, 2, 10, 16));
  const alerts = new MemoryAlertStore();
  const notifier = new DyingNotifier();
  const deps: TaskStoppedDeps = {
    alerts,
    notifier,
    clock,
    logger: createLogger({ logLevel: 'SILENT' }),
    policy: { ...DEFAULT_ALERT_POLICY },
  };
  /** Starts a delivery and lets it run as far as it gets (a dead one never settles). */
  const deliver = async () => {
    let settled: unknown = 'died';
    void handleTaskStopped(deps, loadEvent('out-of-memory')).then(
      (r) => (settled = r),
      (e: unknown) => (settled = e),
    );
    for (let i = 0; i < 50; i++) await Promise.resolve();
    await new Promise((r) => setImmediate(r));
    return settled as 'died' | Awaited<ReturnType<typeof handleTaskStopped>>;
  };
  return { clock, alerts, notifier, deliver };
}

describe('a publish whose outcome was never recorded', () => {
  it('is republished once by the delivery after the lease, and the stop is counted once', async () => {
    const s = setup();
    s.notifier.dieAfter = [1];

    const first = await s.deliver();
    const tooEarly = await s.deliver();
    s.clock.advance(LEASE + 1);
    const retry = await s.deliver();

    expect(first).toBe('died');
    expect(tooEarly).toMatchObject({ outcome: 'duplicate' });
    expect(retry).toMatchObject({ outcome: 'published', windowCount: 1 });
    expect(s.notifier.sent).toHaveLength(2);
    expect(s.notifier.sent[1]!.id).toBe(s.notifier.sent[0]!.id);
    expect([...s.alerts.windows.values()].map((w) => w.count)).toEqual([1]);
  });

  it(`is delivered at most ${MAX_UNCONFIRMED_PUBLISHES} times however often the function dies`, async () => {
    const s = setup();
    s.notifier.dieAfter = [1, 2, 3, 4];

    const outcomes = [];
    for (let i = 0; i < 4; i++) {
      outcomes.push(await s.deliver());
      s.clock.advance(LEASE + 1);
    }

    expect(s.notifier.sent).toHaveLength(MAX_UNCONFIRMED_PUBLISHES);
    expect(outcomes.slice(0, 2)).toEqual(['died', 'died']);
    expect(outcomes[2]).toMatchObject({ outcome: 'counted', published: [] });
    expect(outcomes[3]).toMatchObject({ outcome: 'duplicate' });
  });

  it('a publish that failed is not counted as unconfirmed: the retry publishes it, however many times it failed', async () => {
    const s = setup();
    const failing = { count: 3 };
    const original = s.notifier.notify.bind(s.notifier);
    s.notifier.notify = async (n) => {
      if (failing.count-- > 0) throw new Error('SNS 500');
      return original(n);
    };

    const errors = [];
    for (let i = 0; i < 3; i++) errors.push(await s.deliver());
    const last = await s.deliver();

    expect(errors.map((e) => (e as unknown as Error).message)).toEqual(['SNS 500', 'SNS 500', 'SNS 500']);

    expect(last).toMatchObject({ outcome: 'published' });
    expect(s.notifier.sent).toHaveLength(1);
  });

  it('an invocation whose claim was taken over while it worked publishes nothing', async () => {
    const s = setup();
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    const deps: TaskStoppedDeps = {
      alerts: s.alerts,
      notifier: s.notifier,
      clock: s.clock,
      logger: createLogger({ logLevel: 'SILENT' }),
      policy: { ...DEFAULT_ALERT_POLICY },
      // Enrichment that takes longer than the lease.
      taskDefinitions: {
        describe: async () => {
          await slow;
          throw new Error('not found');
        },
      },
    };
    const stalled = handleTaskStopped(deps, loadEvent('out-of-memory'));
    await new Promise((r) => setImmediate(r));
    s.clock.advance(LEASE + 1);
    const fast = handleTaskStopped({ ...deps, taskDefinitions: undefined }, loadEvent('out-of-memory'));
    const second = await fast;
    release();
    const first = await stalled;

    expect(second).toMatchObject({ outcome: 'published' });
    expect(first).toMatchObject({ outcome: 'duplicate', published: [] });
    expect(s.notifier.sent).toHaveLength(1);
  });
});
