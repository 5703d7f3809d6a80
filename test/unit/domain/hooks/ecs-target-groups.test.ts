import fc from 'fast-check';
import { parseEcsHookEvent, type EcsHookEvent } from '../../../../shared/domain/hooks/ecs-hook-event';
import { newRevisionTargetGroups, rulesToRead } from '../../../../shared/domain/hooks/ecs-target-groups';
import { ecsHookEvent } from '../../../fixtures/ecs-hook-events';

function parsed(raw: unknown): EcsHookEvent {
  const result = parseEcsHookEvent(raw);
  if (!result.ok) throw new Error(result.reason);
  return result.value;
}
const rules = { testListenerRule: 'test-rule', productionListenerRule: 'prod-rule' };

describe('rulesToRead', () => {
  it('reads the rules whose share the event or the stage states, and the test rule last, assumed at 100 %', () => {
    expect(rulesToRead(parsed(ecsHookEvent('POST_TEST_TRAFFIC_SHIFT')), rules)).toEqual([
      { rule: 'test', arn: 'test-rule', newPercent: 100 },
      { rule: 'production', arn: 'prod-rule', newPercent: 0 },
    ]);
    expect(
      rulesToRead(parsed(ecsHookEvent('PRODUCTION_TRAFFIC_SHIFT', { productionGreen: 50 })), rules),
    ).toEqual([
      { rule: 'production', arn: 'prod-rule', newPercent: 50 },
      { rule: 'test', arn: 'test-rule', newPercent: 100 },
    ]);
    expect(
      rulesToRead(parsed(ecsHookEvent('POST_PRODUCTION_TRAFFIC_SHIFT')), {
        ...rules,
        testListenerRule: null,
      }),
    ).toEqual([{ rule: 'production', arn: 'prod-rule', newPercent: 100 }]);
  });
});

const route = { targetGroup: 'tg-a', alternateTargetGroup: 'tg-b' };

describe('newRevisionTargetGroups', () => {
  it('takes the target group the test rule sends all test traffic to', () => {
    const found = newRevisionTargetGroups(route, [
      { rule: 'test', weights: { 'tg-a': 0, 'tg-b': 1 }, newPercent: 100 },
    ]);
    expect(found).toEqual({ ok: true, value: { new: 'tg-b', live: 'tg-a', by: 'test' } });
  });

  it('matches ELB weights as shares (0–999), whichever target group the new revision is in', () => {
    const found = newRevisionTargetGroups(route, [
      { rule: 'production', weights: { 'tg-a': 100, 'tg-b': 900 }, newPercent: 10 },
    ]);
    expect(found).toEqual({ ok: true, value: { new: 'tg-a', live: 'tg-b', by: 'production' } });
  });

  it('skips a 50 / 50 split for the next rule that tells them apart', () => {
    const found = newRevisionTargetGroups(route, [
      { rule: 'production', weights: { 'tg-a': 50, 'tg-b': 50 }, newPercent: 50 },
      { rule: 'test', weights: { 'tg-a': 100 }, newPercent: 100 },
    ]);
    expect(found).toMatchObject({ ok: true, value: { new: 'tg-a', by: 'test' } });
  });

  it('refuses, saying why, when no rule tells them apart or a rule contradicts the event', () => {
    const found = newRevisionTargetGroups(route, [
      { rule: 'production', weights: { 'tg-a': 1, 'tg-b': 1 }, newPercent: 50 },
      { rule: 'test', weights: { 'tg-a': 70, 'tg-b': 30 }, newPercent: 100 },
    ]);
    expect(found).toEqual({
      ok: false,
      reason:
        "cannot tell which target group serves the new revision: the production listener rule splits 50 / 50: both target groups match; the test listener rule gives neither target group the new revision's 100 %",
    });
    expect(newRevisionTargetGroups(route, [])).toMatchObject({ ok: false });
    expect(
      newRevisionTargetGroups(route, [{ rule: 'test', weights: { other: 1 }, newPercent: 100 }]),
    ).toMatchObject({
      ok: false,
    });
  });

  it('finds the new revision wherever ECS put it, for any share but 50 %', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 9 }),
        (share, swap, scale) => {
          fc.pre(share !== 50);
          const [newTg, liveTg] = swap ? ['tg-a', 'tg-b'] : ['tg-b', 'tg-a'];
          const weights = { [newTg]: share * scale, [liveTg]: (100 - share) * scale };
          const found = newRevisionTargetGroups(route, [{ rule: 'production', weights, newPercent: share }]);
          return found.ok && found.value.new === newTg && found.value.live === liveTg;
        },
      ),
    );
  });
});
