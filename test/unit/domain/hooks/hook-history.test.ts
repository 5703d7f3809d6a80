import {
  greenlightIdOfDescription,
  greenlightIdOfHookDetails,
  hookEvent,
  hookOnlyOutcome,
  hookOnlyRecordId,
  keepsReading,
  MAX_READINGS_PER_WATCH,
  verdictKey,
  type HookVerdict,
} from '../../../../shared/domain/hooks/hook-history';
import { DeploymentIdSchema } from '../../../../shared/domain/deployment';

const verdict = (overrides: Partial<HookVerdict> = {}): HookVerdict => ({
  controller: 'ecs',
  stage: 'PRODUCTION_TRAFFIC_SHIFT',
  answer: 'IN_PROGRESS',
  reasons: ['green 0.2 % vs blue 0.1 % (inconclusive)'],
  evaluation: 1,
  watchKey: 'PRODUCTION_TRAFFIC_SHIFT:2:10',
  newPercent: 10,
  finalStage: false,
  ...overrides,
});

describe('hook history (domain)', () => {
  it.each([
    ['Greenlight deployment rel-42: web:1.4.2', 'rel-42'],
    ['Greenlight deployment rel_42:', 'rel_42'],
    ['Greenlight deployment rel-42 web', null],
    ['deploy by hand: Greenlight deployment rel-42: x', null],
    ['Greenlight deployment a/b: x', null],
    ['', null],
    [null, null],
  ])('reads the Greenlight deployment id of the description %j', (description, id) => {
    expect(greenlightIdOfDescription(description)).toBe(id);
  });

  it('reads greenlight.deploymentId of hookDetails only when it is a deployment id', () => {
    expect(greenlightIdOfHookDetails({ greenlight: { deploymentId: 'rel-42' } })).toBe('rel-42');
    expect(greenlightIdOfHookDetails({ greenlight: { deploymentId: 'not an id!' } })).toBeNull();
    expect(greenlightIdOfHookDetails({ greenlight: 'rel-42' })).toBeNull();
    expect(greenlightIdOfHookDetails({})).toBeNull();
  });

  it('names hook-only records with valid deployment ids', () => {
    const arn = 'arn:aws:ecs:eu-west-1:123456789012:service-deployment/prod/web/hVc1KiZn4rK5AX4nVN5Dm';
    expect(hookOnlyRecordId('ecs', arn)).toBe('ecs-hVc1KiZn4rK5AX4nVN5Dm');
    expect(hookOnlyRecordId('codedeploy', 'd-7TQ1XK2AB')).toBe('codedeploy-d-7TQ1XK2AB');
    expect(DeploymentIdSchema.safeParse(hookOnlyRecordId('codedeploy', 'x'.repeat(300))).success).toBe(true);
  });

  it('keeps readings at powers of two, at most MAX_READINGS_PER_WATCH per watch', () => {
    const kept = Array.from({ length: 100_000 }, (_, i) => i + 1).filter(keepsReading);
    expect(kept.slice(0, 5)).toEqual([1, 2, 4, 8, 16]);
    expect(kept).toHaveLength(MAX_READINGS_PER_WATCH);
    expect(hookEvent(verdict({ evaluation: 3 }), 0)).toBeNull();
    expect(hookEvent(verdict({ evaluation: 3, answer: 'FAILED' }), 0)?.type).toBe('hook-verdict');
  });

  it('keys each answer apart, and a reading by its evaluation', () => {
    expect(verdictKey(verdict({ evaluation: 2 }))).not.toBe(verdictKey(verdict({ evaluation: 4 })));
    expect(verdictKey(verdict({ answer: 'FAILED', evaluation: 2 }))).toBe(
      verdictKey(verdict({ answer: 'FAILED', evaluation: 3 })),
    );
  });

  it('ends a hook-only deployment on a failure, a rollback or the last stage passing', () => {
    expect(hookOnlyOutcome(verdict({ answer: 'FAILED' }))).toBe('ROLLED_BACK');
    expect(hookOnlyOutcome(verdict({ answer: 'ROLLBACK' }))).toBe('ROLLED_BACK');
    expect(hookOnlyOutcome(verdict({ answer: 'SUCCEEDED' }))).toBeNull();
    expect(hookOnlyOutcome(verdict({ answer: 'SUCCEEDED', finalStage: true }))).toBe('PROMOTED');
    expect(hookOnlyOutcome(verdict())).toBeNull();
  });
});
