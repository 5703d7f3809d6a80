import fc from 'fast-check';
import { parseEcsHookEvent, type EcsHookEvent } from '../../../../shared/domain/hooks/ecs-hook-event';
import {
  answerWatch,
  MAX_HOOK_DETAILS_CHARS,
  planEcsHook,
  WATCH_KEY,
  watchStateOf,
  type WatchPlan,
  type WatchState,
} from '../../../../shared/domain/hooks/ecs-hook-watch';
import { ecsHookEvent, rollbackEvent } from '../../../fixtures/ecs-hook-events';

const NOW = Date.UTC(2026, 4, 1, 12);
const PROBES = { url: 'http://test.internal:8443/health' };

function event(raw: unknown): EcsHookEvent {
  const result = parseEcsHookEvent(raw);
  if (!result.ok) throw new Error(result.reason);
  return result.value;
}

function judged(raw: unknown, now = NOW): WatchPlan {
  const plan = planEcsHook(event(raw), now);
  if (plan.kind !== 'judge') throw new Error(`expected a watch, got ${JSON.stringify(plan)}`);
  return plan;
}

const state = (overrides: Partial<WatchState> = {}): WatchState => ({
  v: 1,
  key: 'PRODUCTION_TRAFFIC_SHIFT:4121734583467125002:10',
  startedAt: NOW - 30_000,
  deadlineAt: NOW + 930_000,
  evaluations: 3,
  consecutiveFailures: 1,
  at: NOW - 10_000,
  stopsSince: NOW - 30_000,
  dataUntil: NOW - 120_000,
  ...overrides,
});

describe('planEcsHook', () => {
  it.each([
    'RECONCILE_SERVICE',
    'PRE_SCALE_UP',
    'POST_SCALE_UP',
    'TEST_TRAFFIC_SHIFT',
    'PRE_PRODUCTION_TRAFFIC_SHIFT',
  ] as const)('lets %s through unjudged', (stage) => {
    expect(planEcsHook(event(ecsHookEvent(stage)), NOW)).toMatchObject({
      kind: 'succeed',
      outcome: 'not-judged',
    });
  });

  it('records a rollback re-invocation without judging it', () => {
    expect(planEcsHook(event(rollbackEvent('PRODUCTION_TRAFFIC_SHIFT')), NOW)).toMatchObject({
      kind: 'succeed',
      outcome: 'rollback-recorded',
    });
  });

  it('starts a production step watch with the hold and the deadline of a Greenlight step', () => {
    const plan = judged(ecsHookEvent('PRODUCTION_TRAFFIC_SHIFT', { productionGreen: 10 }));
    expect(plan).toMatchObject({
      phase: 'step',
      key: 'PRODUCTION_TRAFFIC_SHIFT:4121734583467125002:10',
      startedAt: NOW,
      holdSeconds: 60,
      // hold 60 s + gate.stepTimeoutSeconds 900 s (shared/domain/plan.ts)
      deadlineAt: NOW + 960_000,
      callBackDelay: 10,
      newPercent: 10,
      previous: null,
    });
  });

  it('judges the shift to 100 % like the bake, held for the step hold: no live traffic is left to compare', () => {
    const plan = judged(ecsHookEvent('PRODUCTION_TRAFFIC_SHIFT', { productionGreen: 100 }));
    expect(plan).toMatchObject({
      phase: 'bake',
      key: 'PRODUCTION_TRAFFIC_SHIFT:4121734583467125002:100',
      holdSeconds: 60,
      deadlineAt: NOW + 960_000,
      newPercent: 100,
    });
    expect(judged(ecsHookEvent('PRODUCTION_TRAFFIC_SHIFT', { productionGreen: 99 })).phase).toBe('step');
  });

  it('continues the watch its hookDetails carry', () => {
    const previous = state();
    const plan = judged(
      ecsHookEvent('PRODUCTION_TRAFFIC_SHIFT', {
        productionGreen: 10,
        hookDetails: { [WATCH_KEY]: previous },
      }),
    );
    expect(plan).toMatchObject({ startedAt: previous.startedAt, deadlineAt: previous.deadlineAt, previous });
  });

  it('starts a new watch at the next production step', () => {
    const plan = judged(
      ecsHookEvent('PRODUCTION_TRAFFIC_SHIFT', {
        productionGreen: 20,
        hookDetails: { [WATCH_KEY]: state() },
      }),
    );
    expect(plan).toMatchObject({ startedAt: NOW, previous: null, newPercent: 20 });
  });

  it('judges POST_TEST_TRAFFIC_SHIFT as the test round, and the bake at POST_PRODUCTION_TRAFFIC_SHIFT', () => {
    const hookDetails = { greenlight: { probes: PROBES, bakeSeconds: 120 } };
    expect(judged(ecsHookEvent('POST_TEST_TRAFFIC_SHIFT', { hookDetails }))).toMatchObject({
      phase: 'test',
      holdSeconds: 60,
      deadlineAt: NOW + 360_000,
    });
    expect(judged(ecsHookEvent('POST_PRODUCTION_TRAFFIC_SHIFT', { hookDetails }))).toMatchObject({
      phase: 'bake',
      holdSeconds: 120,
      deadlineAt: NOW + 1_020_000,
    });
  });

  it.each([
    [
      'POST_TEST_TRAFFIC_SHIFT without probes',
      ecsHookEvent('POST_TEST_TRAFFIC_SHIFT'),
      'hookDetails.greenlight.probes: required',
    ],
    [
      'a spec with an unknown field',
      ecsHookEvent('PRODUCTION_TRAFFIC_SHIFT', {
        hookDetails: { greenlight: { gate: { maxErrorRatio: 1 } } },
      }),
      'hookDetails.greenlight.gate',
    ],
    [
      'a corrupt watch state',
      ecsHookEvent('PRODUCTION_TRAFFIC_SHIFT', {
        hookDetails: { [WATCH_KEY]: { ...state(), consecutiveFailures: -1 } },
      }),
      'hookDetails.greenlightWatch.consecutiveFailures: corrupt',
    ],
    [
      'a watch state that is not an object',
      ecsHookEvent('PRODUCTION_TRAFFIC_SHIFT', { hookDetails: { [WATCH_KEY]: 'eyJ2IjoxfQ==' } }),
      'hookDetails.greenlightWatch: corrupt',
    ],
    [
      'an oversized watch state',
      ecsHookEvent('PRODUCTION_TRAFFIC_SHIFT', {
        hookDetails: { [WATCH_KEY]: { ...state(), key: 'x'.repeat(2000) } },
      }),
      'longer than 1024',
    ],
    [
      'oversized hookDetails',
      ecsHookEvent('PRE_SCALE_UP', { hookDetails: { blob: 'x'.repeat(MAX_HOOK_DETAILS_CHARS) } }),
      'hookDetails: longer than',
    ],
  ])('fails %s, naming the field', (_label, raw, reason) => {
    const plan = planEcsHook(event(raw), NOW);
    expect(plan.kind).toBe('fail');
    expect(plan.kind === 'fail' && plan.reason).toContain(reason);
  });

  it('never starts a watch outside a judged stage, and always bounds it by a deadline', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          'PRODUCTION_TRAFFIC_SHIFT',
          'POST_PRODUCTION_TRAFFIC_SHIFT',
          'POST_TEST_TRAFFIC_SHIFT' as const,
        ),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 0, max: 86_400 }),
        (stage, share, hold) => {
          const hookDetails = { greenlight: { probes: PROBES, stepHoldSeconds: hold, bakeSeconds: hold } };
          const plan = planEcsHook(event(ecsHookEvent(stage, { productionGreen: share, hookDetails })), NOW);
          return plan.kind === 'judge' && plan.deadlineAt > plan.startedAt + plan.holdSeconds * 1000;
        },
      ),
    );
  });
});

describe('answerWatch', () => {
  const plan = () =>
    judged(
      ecsHookEvent('PRODUCTION_TRAFFIC_SHIFT', { productionGreen: 10, hookDetails: { greenlight: {} } }),
    );
  const outcome = { reasons: [], consecutiveFailures: 1, at: NOW, stopsSince: NOW, dataUntil: NOW - 60_000 };

  it('answers SUCCEEDED on advance or promote and FAILED on rollback', () => {
    expect(answerWatch(plan(), { ...outcome, decision: 'advance' }, {})).toEqual({ hookStatus: 'SUCCEEDED' });
    expect(answerWatch(plan(), { ...outcome, decision: 'promote' }, {})).toEqual({ hookStatus: 'SUCCEEDED' });
    expect(answerWatch(plan(), { ...outcome, decision: 'rollback' }, {})).toEqual({ hookStatus: 'FAILED' });
  });

  it('answers IN_PROGRESS while waiting, keeping the spec and carrying a state the next call accepts', () => {
    const answer = answerWatch(
      plan(),
      { ...outcome, decision: 'wait' },
      { greenlight: {}, [WATCH_KEY]: state() },
    );
    expect(answer).toEqual({
      hookStatus: 'IN_PROGRESS',
      callBackDelay: 10,
      hookDetails: {
        greenlight: {},
        [WATCH_KEY]: {
          v: 1,
          key: 'PRODUCTION_TRAFFIC_SHIFT:4121734583467125002:10',
          startedAt: NOW,
          deadlineAt: NOW + 960_000,
          evaluations: 1,
          consecutiveFailures: 1,
          at: NOW,
          stopsSince: NOW,
          dataUntil: NOW - 60_000,
        },
      },
    });
    expect(watchStateOf(answer.hookDetails!)).toMatchObject({ ok: true });
  });

  it('returns a state that round-trips for any evaluation outcome', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 3_600_000 }),
        (failures, later) => {
          const answer = answerWatch(
            plan(),
            {
              decision: 'wait',
              reasons: [],
              consecutiveFailures: failures,
              at: NOW + later,
              stopsSince: NOW,
            },
            {},
          );
          const back = watchStateOf(answer.hookDetails ?? {});
          return back.ok && back.value?.consecutiveFailures === failures;
        },
      ),
    );
  });
});
