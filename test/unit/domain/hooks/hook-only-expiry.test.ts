import fc from 'fast-check';
import type { DeploymentRecord } from '../../../../shared/domain/deployment';
import { deliveryAfter, MAX_DELIVERY_ATTEMPTS } from '../../../../shared/domain/delivery';
import {
  HOOK_SILENCE_LIMIT_MS,
  hookOnlyExpired,
  hookOnlyExpiry,
  lastHookActivity,
  NOTICE_GRACE_MS,
  noticeDue,
} from '../../../../shared/domain/hooks/hook-only-expiry';

const T0 = Date.UTC(2026, 4, 1);
const DAY = 86_400_000;
const record = (patch: Partial<DeploymentRecord> = {}): DeploymentRecord => ({
  id: 'ecs-abc',
  service: 'web',
  cluster: 'prod',
  image: 'rev',
  requestedBy: 'ecs (lifecycle hook)',
  status: 'IN_PROGRESS',
  startedAt: T0,
  external: { controller: 'ecs', deploymentId: 'arn:dep/abc', hookOnly: true },
  ...patch,
});

describe('hook-only expiry', () => {
  it('bounds the silence beyond the longest hook timeout of each controller', () => {
    // ECS: timeoutInMinutes at most 20,160 (14 days); CodeDeploy: 60-minute hooks, waits of up to 2 days.
    expect(HOOK_SILENCE_LIMIT_MS.ecs).toBeGreaterThan(20_160 * 60_000);
    expect(HOOK_SILENCE_LIMIT_MS.codedeploy).toBeGreaterThan(2_880 * 60_000);
  });

  it('takes the latest event as the last activity, else the start', () => {
    expect(lastHookActivity(record(), [])).toBe(T0);
    expect(
      lastHookActivity(record(), [
        { at: T0 + 5, type: 'x', message: '' },
        { at: T0 + 2, type: 'x', message: '' },
      ]),
    ).toBe(T0 + 5);
  });

  it('expires only an IN_PROGRESS hook-only record silent past its limit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 * DAY }),
        fc.constantFrom('ecs', 'codedeploy' as const),
        (silence, controller) => {
          const r = record({ external: { controller, deploymentId: 'x', hookOnly: true } });
          expect(hookOnlyExpired(r, T0, T0 + silence)).toBe(silence > HOOK_SILENCE_LIMIT_MS[controller]);
        },
      ),
    );
    const late = T0 + 40 * DAY;
    expect(hookOnlyExpired(record({ status: 'PROMOTED' }), T0, late)).toBe(false);
    expect(hookOnlyExpired(record({ external: { controller: 'ecs', deploymentId: 'x' } }), T0, late)).toBe(
      false,
    );
    expect(hookOnlyExpired(record({ external: undefined }), T0, late)).toBe(false);
  });

  it('closes it UNOBSERVED, saying since when and where the outcome is, its notification PENDING', () => {
    const patch = hookOnlyExpiry(record(), T0, T0 + 16 * DAY);
    expect(patch).toMatchObject({
      status: 'UNOBSERVED',
      endedAt: T0 + 16 * DAY,
      endNotice: { state: 'PENDING', attempts: 0 },
    });
    expect(patch.error?.cause).toBe(
      'no ECS hook call for 384 h (last at 2026-05-01T00:00:00.000Z): the deployment ended, or goes on, without a hook verdict that ends it; ECS deployment arn:dep/abc says how',
    );
  });

  it('leaves a notification nobody has tried yet to its ender for a grace, then sends it', () => {
    const ended = record({ status: 'PROMOTED', endedAt: T0, endNotice: { state: 'PENDING', attempts: 0 } });
    expect(noticeDue(ended, T0 + NOTICE_GRACE_MS - 1)).toBe(false);
    expect(noticeDue(ended, T0 + NOTICE_GRACE_MS)).toBe(true);
    expect(noticeDue({ ...ended, endNotice: { state: 'PENDING', attempts: 1 } }, T0)).toBe(true);
    expect(noticeDue({ ...ended, endNotice: { state: 'SENT', attempts: 1 } }, T0 + DAY)).toBe(false);
    expect(noticeDue({ ...ended, endNotice: { state: 'GAVE_UP', attempts: 5 } }, T0 + DAY)).toBe(false);
    expect(noticeDue({ ...ended, status: 'IN_PROGRESS' }, T0 + DAY)).toBe(false);
  });
});

describe('delivery', () => {
  it('is SENT after a send that succeeds, PENDING while attempts remain, GAVE_UP after the last', () => {
    expect(deliveryAfter(undefined, null)).toEqual({ state: 'SENT', attempts: 1 });
    let d = deliveryAfter(undefined, 'boom');
    for (let i = 1; i < MAX_DELIVERY_ATTEMPTS; i++) {
      expect(d).toEqual({ state: 'PENDING', attempts: i, lastError: 'boom' });
      d = deliveryAfter(d, 'boom');
    }
    expect(d).toEqual({ state: 'GAVE_UP', attempts: MAX_DELIVERY_ATTEMPTS, lastError: 'boom' });
    expect(deliveryAfter(undefined, 'x'.repeat(2000)).lastError).toHaveLength(500);
  });
});
