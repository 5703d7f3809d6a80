/**
 * The final-tally sweeper with the alerts handler, on the in-memory alert store: a crash loop
 * that stops for good still gets its final tally, once, whoever sends it.
 */
import {
  sendFinalTallies,
  FinalTallyError,
  type FinalTalliesDeps,
} from '../../../functions/alerts/final-tallies';
import { handleTaskStopped, type TaskStoppedDeps } from '../../../functions/alerts/task-stopped';
import { DEFAULT_ALERT_POLICY } from '../../../shared/domain/alerts/policy';
import { createLogger } from '../../../shared/lambda';
import type { Notification, Notifier } from '../../../shared/ports/notifier';
import { taskId, variant } from '../../fixtures/ecs-events';
import { MemoryAlertStore } from '../../support/memory-alert-store';
import { ManualClock } from '../../support/memory-ports';

const T0 = Date.UTC(2026, 2, 2, 10, 0, 0);
const WINDOW_MS = DEFAULT_ALERT_POLICY.windowMs;

class RecordingNotifier implements Notifier {
  sent: Notification[] = [];
  failures: (Error | null)[] = [];
  async notify(notification: Notification): Promise<void> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.sent.push(structuredClone(notification));
  }
}

function setup() {
  const clock = new ManualClock(T0);
  const alerts = new MemoryAlertStore();
  const notifier = new RecordingNotifier();
  const logger = createLogger({ logLevel: 'SILENT' });
  const policy = { ...DEFAULT_ALERT_POLICY };
  const handlerDeps: TaskStoppedDeps = { alerts, notifier, clock, logger, policy };
  const sweeperDeps: FinalTalliesDeps = { alerts, notifier, clock, logger, policy };
  const stop = (n: number) => handleTaskStopped(handlerDeps, variant('out-of-memory', { taskId: taskId(n) }));
  const sweep = () => sendFinalTallies(sweeperDeps);
  const kinds = () =>
    notifier.sent.map((m) => `${m.attributes.kind}${m.detail.final ? ' final' : ''} ${m.detail.count ?? 1}`);
  return { clock, alerts, notifier, stop, sweep, kinds, sweeperDeps };
}

/** `n` stops, 30 s apart, from T0. */
async function loop(s: ReturnType<typeof setup>, n: number, from = 1) {
  for (let i = from; i < from + n; i++) {
    await s.stop(i);
    s.clock.advance(30_000);
  }
}

describe('final-tally sweeper', () => {
  it('sends the last tally of a crash loop that stops for good, once, after the window ends', async () => {
    const s = setup();
    await loop(s, 7);

    const early = await s.sweep();
    s.clock.time = T0 + WINDOW_MS + 1;
    const due = await s.sweep();
    const again = await s.sweep();

    expect(early).toMatchObject({ due: 0, sent: 0 });
    expect(due).toMatchObject({ due: 1, sent: 1, failed: 0 });
    expect(again).toMatchObject({ due: 0, sent: 0 });
    expect(s.kinds()).toEqual(['alert 1', 'digest 5', 'digest final 7']);
    const final = s.notifier.sent[2]!;
    expect(final.message).toContain('it ended with no further stop of the service');
    expect(final.subject).toBe(
      '[critical] web-blue (prod): 7 tasks stopped in 3 min, all out of memory, last exit 137',
    );
    expect(final.attributes).toMatchObject({
      event: 'task-stopped',
      kind: 'digest',
      cluster: 'prod',
      service: 'web-blue',
    });
  });

  it('is not sent again by the stop that opens the next window after the sweeper sent it', async () => {
    const s = setup();
    await loop(s, 7);
    s.clock.time = T0 + WINDOW_MS + 1;
    await s.sweep();

    s.clock.advance(60 * 60_000);
    await s.stop(100);

    expect(s.kinds()).toEqual(['alert 1', 'digest 5', 'digest final 7', 'alert 1']);
  });

  it('sends nothing when a later stop closed the window first (that stop sent the tally), and drops the entry', async () => {
    const s = setup();
    await loop(s, 7);
    s.clock.time = T0 + WINDOW_MS + 60_000;
    await s.stop(100);

    const swept = await s.sweep();

    expect(swept).toMatchObject({ due: 1, sent: 0, dropped: 1 });
    expect(s.kinds()).toEqual(['alert 1', 'digest 5', 'digest final 7', 'alert 1']);
    expect(s.alerts.dues.size).toBe(0);
  });

  it('files no entry for a window whose every stop was reported', async () => {
    const s = setup();
    await loop(s, 1);
    await loop(s, 4, 2); // stops 2..4 unreported, stop 5 sends the digest
    s.clock.time = T0 + WINDOW_MS + 1;

    const single = setup();
    await loop(single, 1);
    single.clock.time = T0 + WINDOW_MS + 1;

    expect(await s.sweep()).toMatchObject({ due: 1, sent: 0, dropped: 1 });
    expect(single.alerts.dues.size).toBe(0);
    expect(await single.sweep()).toMatchObject({ due: 0 });
    expect(s.kinds()).toEqual(['alert 1', 'digest 5']);
  });

  it('keeps a tally whose publish failed and sends it at the next sweep after the lease', async () => {
    const s = setup();
    await loop(s, 3);
    s.clock.time = T0 + WINDOW_MS + 1;
    s.notifier.failures.push(new Error('SNS down'));

    const failed = await s.sweep().catch((e: unknown) => e);
    const tooSoon = await s.sweep();
    s.clock.advance(DEFAULT_ALERT_POLICY.claimLeaseMs + 1);
    const retried = await s.sweep();

    expect(failed).toBeInstanceOf(FinalTallyError);
    expect(tooSoon).toMatchObject({ busy: 1, sent: 0 });
    expect(retried).toMatchObject({ sent: 1 });
    expect(s.kinds()).toEqual(['alert 1', 'digest final 3']);
  });

  it('a sweeper that died after publishing sends the tally once more at most, with the same id', async () => {
    const s = setup();
    await loop(s, 3);
    s.clock.time = T0 + WINDOW_MS + 1;
    const complete = jest.spyOn(s.alerts, 'completeTally').mockRejectedValueOnce(new Error('function died'));

    await s.sweep().catch(() => undefined);
    s.clock.advance(DEFAULT_ALERT_POLICY.claimLeaseMs + 1);
    await s.sweep();
    await s.sweep();
    complete.mockRestore();

    expect(s.kinds()).toEqual(['alert 1', 'digest final 3', 'digest final 3']);
    expect(s.notifier.sent[1]!.id).toBe(s.notifier.sent[2]!.id);
  });

  it('gives a final tally the id of the one the next stop would have sent (a FIFO topic keeps one)', async () => {
    const byStop = setup();
    await loop(byStop, 7);
    byStop.clock.time = T0 + WINDOW_MS + 60_000;
    await byStop.stop(100);
    const bySweeper = setup();
    await loop(bySweeper, 7);
    bySweeper.clock.time = T0 + WINDOW_MS + 1;
    await bySweeper.sweep();

    expect(bySweeper.notifier.sent[2]!.id).toBe(byStop.notifier.sent[2]!.id);
  });

  it('names the window from any event shape: a standalone task family', async () => {
    const s = setup();
    const deps = {
      alerts: s.alerts,
      notifier: s.notifier,
      clock: s.clock,
      logger: createLogger({ logLevel: 'SILENT' }),
      policy: DEFAULT_ALERT_POLICY,
    };
    for (let i = 1; i <= 2; i++) {
      await handleTaskStopped(deps, variant('exit-with-secret-overrides', { taskId: taskId(i) }));
      s.clock.advance(1_000);
    }
    s.clock.time = T0 + WINDOW_MS + 10_000;

    await s.sweep();

    const final = s.notifier.sent.at(-1)!;
    expect(final.detail).toMatchObject({
      final: true,
      count: 2,
      scope: { cluster: 'prod', family: 'nightly-report' },
    });
    expect(JSON.stringify(final)).not.toContain('hunter2-Planted-Pa55word');
  });
});
