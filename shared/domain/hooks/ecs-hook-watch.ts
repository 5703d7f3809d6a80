/**
 * What the ECS hook does with an event, decided before any reading, and the answer it gives after
 * judging. A watch is one stage's (one production step's) run of evaluations: ECS invokes the hook
 * again after each IN_PROGRESS answer with the hookDetails it returned, so the watch's state (when
 * it began, its deadline, the sequential gate's count of failing evaluations and where its
 * published data ended) travels there, validated and size-bounded, and nothing is stored elsewhere.
 *
 * Which stages are judged, like the Greenlight driver's phases (shared/domain/plan.ts deadlines):
 * - POST_TEST_TRAFFIC_SHIFT: the test round (judgeTestRound): probes through the test listener rule.
 * - PRODUCTION_TRAFFIC_SHIFT with the new revision on a share of production: a plan step (judgeStep),
 *   new revision against the live one; linear and canary invoke it at every step. At 100 % (the last
 *   linear step, canary's second shift, BLUE_GREEN's one shift) the live revision has no traffic left
 *   to compare with, so the step is judged like the bake (judgeBake: the limits, window by window),
 *   held stepHoldSeconds.
 * - POST_PRODUCTION_TRAFFIC_SHIFT: the bake (judgeBake), the new revision at 100 %.
 * - The traffic-shift stages re-invoked with reversed weights (ECS rolling back): recorded, never judged.
 * - Every other stage: nothing to judge yet, SUCCEEDED.
 */
import { z } from 'zod';
import type { Decision } from '../gate/decide';
import {
  isRollback,
  revisionId,
  stageShare,
  type EcsHookEvent,
  type EcsLifecycleStage,
  type Parsed,
} from './ecs-hook-event';
import { hookSpecOf, HOOK_SPEC_KEY, phaseTiming, type EcsHookSpec, type JudgedPhase } from './ecs-hook-spec';

export type { JudgedPhase };

/** The key of hookDetails that holds the watch's state. */
export const WATCH_KEY = 'greenlightWatch';
/** Longest watch state accepted or returned (JSON characters): a few numbers and a key. */
export const MAX_WATCH_STATE_CHARS = 1024;
/**
 * Longest hookDetails the hook accepts or returns (JSON characters). ECS states no limit for it;
 * ours keeps an answer far below Lambda's 6 MB response and a hostile payload from being echoed.
 */
export const MAX_HOOK_DETAILS_CHARS = 16_384;

export const WatchStateSchema = z
  .object({
    v: z.literal(1),
    /** Stage, new revision and its share: a new production step is a new watch. */
    key: z.string().min(1).max(300),
    startedAt: z.number().int().min(0),
    deadlineAt: z.number().int().min(0),
    evaluations: z.number().int().min(1).max(1_000_000),
    consecutiveFailures: z.number().int().min(0).max(100),
    /** When the last evaluation ran (epoch ms). */
    at: z.number().int().min(0),
    stopsSince: z.number().int().min(0),
    /** Where the last evaluation's published traffic data ended (steps and bake only). */
    dataUntil: z.number().int().min(0).optional(),
  })
  .strict()
  .refine((s) => s.deadlineAt >= s.startedAt && s.at >= s.startedAt, 'times out of order');
export type WatchState = z.output<typeof WatchStateSchema>;

export type HookStatus = 'SUCCEEDED' | 'FAILED' | 'IN_PROGRESS';

/** The hook's answer to ECS. */
export interface HookResponse {
  hookStatus: HookStatus;
  callBackDelay?: number;
  hookDetails?: Record<string, unknown>;
}

/** A watch about to be evaluated once more (or for the first time). */
export interface WatchPlan {
  kind: 'judge';
  phase: JudgedPhase;
  spec: EcsHookSpec;
  key: string;
  startedAt: number;
  deadlineAt: number;
  holdSeconds: number;
  /** Seconds ECS waits before invoking the hook again after IN_PROGRESS. */
  callBackDelay: number;
  /** The new revision's share of the traffic judged (production, or test in the test round). */
  newPercent: number;
  /** The state of this watch's previous evaluation; null on its first. */
  previous: WatchState | null;
}

export type HookPlan =
  | WatchPlan
  | { kind: 'succeed'; outcome: 'not-judged' | 'rollback-recorded'; reason: string }
  | { kind: 'fail'; reason: string };

const NOT_JUDGED: Partial<Record<EcsLifecycleStage, string>> = {
  RECONCILE_SERVICE: 'nothing to judge before the new revision runs',
  PRE_SCALE_UP: 'nothing to judge before the new revision runs',
  POST_SCALE_UP: 'the new revision serves no traffic yet',
  TEST_TRAFFIC_SHIFT: 'test traffic is shifting; judged at POST_TEST_TRAFFIC_SHIFT',
  PRE_PRODUCTION_TRAFFIC_SHIFT: 'no production traffic on the new revision yet',
};

const jsonLength = (value: unknown) => JSON.stringify(value)?.length ?? 0;

/** What the hook does with `event` at `now`: answer at once, or evaluate a watch. Pure. */
export function planEcsHook(event: EcsHookEvent, now: number): HookPlan {
  if (jsonLength(event.hookDetails) > MAX_HOOK_DETAILS_CHARS) {
    return { kind: 'fail', reason: `hookDetails: longer than ${MAX_HOOK_DETAILS_CHARS} JSON characters` };
  }
  const spec = hookSpecOf(event.hookDetails);
  if (!spec.ok) return { kind: 'fail', reason: spec.reason };
  const state = watchStateOf(event.hookDetails);
  if (!state.ok) return { kind: 'fail', reason: state.reason };
  if (isRollback(event)) {
    return {
      kind: 'succeed',
      outcome: 'rollback-recorded',
      reason: `ECS is rolling back: ${event.stage} with the new revision at 0 %; not judged`,
    };
  }
  const notJudged = NOT_JUDGED[event.stage];
  if (notJudged) return { kind: 'succeed', outcome: 'not-judged', reason: notJudged };
  const s = spec.value;
  /** A watch judged as `phase`, timed as `timedAs` (a shift to 100 % is judged like the bake, held like a step). */
  const watch = (phase: JudgedPhase, newPercent: number, timedAs: JudgedPhase = phase): HookPlan => {
    const { holdSeconds: hold, marginSeconds: margin, intervalSeconds: delay } = phaseTiming(s, timedAs);
    const key = `${event.stage}:${revisionId(event.targetRevisionArn)}:${newPercent}`;
    const previous = state.value?.key === key ? state.value : null;
    const startedAt = previous?.startedAt ?? now;
    return {
      kind: 'judge',
      phase,
      spec: s,
      key,
      startedAt,
      deadlineAt: previous?.deadlineAt ?? now + (hold + margin) * 1000,
      holdSeconds: hold,
      callBackDelay: delay,
      newPercent,
      previous,
    };
  };
  switch (event.stage) {
    case 'POST_TEST_TRAFFIC_SHIFT': {
      if (!s.probes) {
        return {
          kind: 'fail',
          reason: `hookDetails.${HOOK_SPEC_KEY}.probes: required to judge POST_TEST_TRAFFIC_SHIFT (probes are the only traffic the test listener rule carries)`,
        };
      }
      const test = stageShare(event, 'test') ?? 0;
      if (test <= 0)
        return { kind: 'fail', reason: 'testTrafficWeights: the new revision has no test traffic' };
      return watch('test', test);
    }
    case 'PRODUCTION_TRAFFIC_SHIFT': {
      const share = stageShare(event, 'production') ?? 0;
      if (share <= 0) {
        return {
          kind: 'fail',
          reason:
            'productionTrafficWeights: the new revision has no production traffic (or the weights do not name it)',
        };
      }
      // At 100 %, a comparison with the live revision would wait for traffic that no longer comes.
      return share >= 100 ? watch('bake', share, 'step') : watch('step', share);
    }
    case 'POST_PRODUCTION_TRAFFIC_SHIFT': {
      const share = stageShare(event, 'production') ?? 0;
      if (share <= 0) {
        return {
          kind: 'fail',
          reason: 'productionTrafficWeights: the new revision has no production traffic',
        };
      }
      return watch('bake', share);
    }
    default:
      return { kind: 'fail', reason: `lifecycleStage: ${event.stage} is not judged by this hook` };
  }
}

/** The watch state in hookDetails: null when absent (a watch's first evaluation), an error when corrupt. */
export function watchStateOf(hookDetails: Record<string, unknown>): Parsed<WatchState | null> {
  const raw = hookDetails[WATCH_KEY];
  if (raw === undefined) return { ok: true, value: null };
  if (jsonLength(raw) > MAX_WATCH_STATE_CHARS) {
    return {
      ok: false,
      reason: `hookDetails.${WATCH_KEY}: corrupt (longer than ${MAX_WATCH_STATE_CHARS} characters)`,
    };
  }
  const parsed = WatchStateSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `.${issue.path.join('.')}` : '';
    return {
      ok: false,
      reason: `hookDetails.${WATCH_KEY}${where}: corrupt (${issue?.message ?? 'invalid'})`,
    };
  }
  return { ok: true, value: parsed.data };
}

/** What one evaluation of a watch decided, as the answer needs it. */
export interface WatchOutcome {
  decision: Decision;
  reasons: string[];
  consecutiveFailures: number;
  at: number;
  stopsSince: number;
  dataUntil?: number | undefined;
}

/**
 * The answer after an evaluation: SUCCEEDED when the gate passed (or promoted), FAILED when it
 * failed or the watch ran past its deadline, else IN_PROGRESS with the watch's new state beside the
 * hookDetails ECS passed (the spec included). An answer too large to return fails.
 */
export function answerWatch(
  plan: WatchPlan,
  outcome: WatchOutcome,
  hookDetails: Record<string, unknown>,
): HookResponse {
  if (outcome.decision === 'advance' || outcome.decision === 'promote') return { hookStatus: 'SUCCEEDED' };
  if (outcome.decision === 'rollback') return { hookStatus: 'FAILED' };
  const state: WatchState = {
    v: 1,
    key: plan.key,
    startedAt: plan.startedAt,
    deadlineAt: plan.deadlineAt,
    evaluations: (plan.previous?.evaluations ?? 0) + 1,
    consecutiveFailures: outcome.consecutiveFailures,
    at: outcome.at,
    stopsSince: outcome.stopsSince,
    ...(outcome.dataUntil !== undefined ? { dataUntil: outcome.dataUntil } : {}),
  };
  const details = { ...hookDetails, [WATCH_KEY]: state };
  if (jsonLength(state) > MAX_WATCH_STATE_CHARS || jsonLength(details) > MAX_HOOK_DETAILS_CHARS) {
    return { hookStatus: 'FAILED' };
  }
  return { hookStatus: 'IN_PROGRESS', callBackDelay: plan.callBackDelay, hookDetails: details };
}
