import { reconcile } from '../../../functions/reconcile/reconcile';
import type { DeploymentRecord } from '../../../shared/domain/deployment';
import { MAX_DELIVERY_ATTEMPTS } from '../../../shared/domain/delivery';
import { HOOK_SILENCE_LIMIT_MS, NOTICE_GRACE_MS } from '../../../shared/domain/hooks/hook-only-expiry';
import type { Notification } from '../../../shared/ports/notifier';
import { ManualClock } from '../../support/memory-ports';
import { memoryWorld } from '../../support/memory-world';

const ID = 'ecs-hVc1KiZn4rK5AX4nVN5Dm';
const HOUR = 3_600_000;

function hookOnly(startedAt: number, patch: Partial<DeploymentRecord> = {}): DeploymentRecord {
  return {
    id: ID,
    service: 'web',
    cluster: 'prod',
    image: 'arn:aws:ecs:eu-west-1:123456789012:service-revision/prod/web/2',
    requestedBy: 'ecs (lifecycle hook)',
    status: 'IN_PROGRESS',
    startedAt,
    external: {
      controller: 'ecs',
      deploymentId: 'arn:aws:ecs:eu-west-1:123456789012:service-deployment/prod/web/hVc1KiZn4rK5AX4nVN5Dm',
      hookOnly: true,
    },
    ...patch,
  };
}

function world() {
  const base = memoryWorld();
  const w = { ...base, clock: new ManualClock() };
  // Counts every send: the memory notifier itself drops repeats of an id.
  jest.spyOn(w.notifier, 'notify');
  const executions = { status: jest.fn(async () => 'NOT_FOUND' as const) };
  return { w, deps: { ...w, executions } };
}

describe('reconcile of hook-only records', () => {
  it('closes a record whose hook has been silent past its limit UNOBSERVED, and notifies it once', async () => {
    const { w, deps } = world();
    const start = w.clock.now();
    await w.store.createDeployment(hookOnly(start));
    await w.store.appendEventOnce(ID, 'k1', {
      at: start + HOUR,
      type: 'hook-verdict',
      message: 'PRE_SCALE_UP passed',
    });
    w.clock.advance(HOUR + HOOK_SILENCE_LIMIT_MS.ecs - 1);

    expect((await reconcile(deps)).hookOnly.closed).toEqual([]);
    expect(w.store.records.get(ID)?.status).toBe('IN_PROGRESS');

    w.clock.advance(2);
    const report = await reconcile(deps);

    expect(report.hookOnly).toEqual({ closed: [ID], notified: [ID], notifyFailed: [], skipped: [] });
    expect(w.store.records.get(ID)).toMatchObject({
      status: 'UNOBSERVED',
      endedAt: w.clock.now(),
      error: { error: 'EndNotObserved' },
      endNotice: { state: 'SENT', attempts: 1 },
    });
    expect(w.store.events.get(ID)?.at(-1)).toMatchObject({ type: 'hook-unobserved' });
    expect(w.notifier.sent.map((n) => [n.id, n.subject])).toEqual([
      [`${ID}/UNOBSERVED`, expect.stringMatching(/^greenlight: web end not observed \(/)],
    ]);
    expect(executions(deps)).not.toHaveBeenCalled();

    w.clock.advance(HOUR);
    await reconcile(deps);
    expect(w.notifier.notify).toHaveBeenCalledTimes(1);
  });

  it('gives a CodeDeploy record its own, shorter limit', async () => {
    const { w, deps } = world();
    await w.store.createDeployment(
      hookOnly(w.clock.now(), {
        id: 'codedeploy-d-7TQ1XK2AB',
        external: { controller: 'codedeploy', deploymentId: 'd-7TQ1XK2AB', hookOnly: true },
      }),
    );
    w.clock.advance(HOOK_SILENCE_LIMIT_MS.codedeploy + 1);
    expect((await reconcile(deps)).hookOnly.closed).toEqual(['codedeploy-d-7TQ1XK2AB']);
  });

  it('resends a PENDING end notification on later passes until it goes out, then never again', async () => {
    const { w, deps } = world();
    const now = w.clock.now();
    await w.store.createDeployment(
      hookOnly(now - HOUR, {
        status: 'ROLLED_BACK',
        endedAt: now,
        endNotice: { state: 'PENDING', attempts: 1 },
      }),
    );
    const real = w.notifier.notify.bind(w.notifier);
    let failing = true;
    let notified = 0;
    w.notifier.notify = (n: Notification) => {
      if (failing) return Promise.reject(new Error('SNS throttled'));
      notified += 1;
      return real(n);
    };

    const first = await reconcile(deps);
    expect(first.hookOnly.notifyFailed).toEqual([
      { id: ID, attempts: 2, retried: true, reason: 'Error: SNS throttled' },
    ]);

    failing = false;
    const second = await reconcile(deps);
    expect(second.hookOnly.notified).toEqual([ID]);
    expect(w.store.records.get(ID)?.endNotice).toEqual({ state: 'SENT', attempts: 3 });
    expect(w.notifier.sent.map((n) => n.id)).toEqual([`${ID}/ROLLED_BACK`]);

    await reconcile(deps);
    expect(w.notifier.sent).toHaveLength(1);
    expect(notified).toBe(1);
  });

  it(`gives up after ${MAX_DELIVERY_ATTEMPTS} failed sends`, async () => {
    const { w, deps } = world();
    const now = w.clock.now();
    await w.store.createDeployment(
      hookOnly(now - HOUR, {
        status: 'PROMOTED',
        endedAt: now,
        endNotice: { state: 'PENDING', attempts: 1 },
      }),
    );
    const notify = jest.fn(() => Promise.reject(new Error('KMS.AccessDenied')));
    w.notifier.notify = notify;
    for (let pass = 0; pass < MAX_DELIVERY_ATTEMPTS + 2; pass++) await reconcile(deps);
    expect(notify).toHaveBeenCalledTimes(MAX_DELIVERY_ATTEMPTS - 1);
    expect(w.store.records.get(ID)?.endNotice).toMatchObject({
      state: 'GAVE_UP',
      attempts: MAX_DELIVERY_ATTEMPTS,
    });
  });

  it('leaves a notification no attempt has counted yet to the invocation that ended the record, for a grace', async () => {
    const { w, deps } = world();
    const now = w.clock.now();
    await w.store.createDeployment(
      hookOnly(now - HOUR, {
        status: 'PROMOTED',
        endedAt: now,
        endNotice: { state: 'PENDING', attempts: 0 },
      }),
    );
    await reconcile(deps);
    expect(w.notifier.sent).toEqual([]);
    w.clock.advance(NOTICE_GRACE_MS);
    await reconcile(deps);
    expect(w.notifier.sent.map((n) => n.id)).toEqual([`${ID}/PROMOTED`]);
  });
});

function executions(deps: { executions: { status: jest.Mock } }) {
  return deps.executions.status;
}
