/**
 * What the CodeDeploy hook does with a lifecycle event of an ECS deployment, decided from
 * GetDeployment / GetDeploymentTarget before any reading, and what each evaluation of the
 * gate-watch state machine answers. Pure.
 *
 * The stage: CodeDeploy's event names neither the stage nor the service; the deployment target's
 * `lifecycleEvents` has the hook's event InProgress while CodeDeploy waits for its status (one hook
 * runs at a time), so the one InProgress event among the hook stages is this execution's stage.
 *
 * The gate: the ECS hook's spec schema (gate, probes, metrics, testTraffic, stepHoldSeconds,
 * bakeSeconds, bakeWindowSeconds), one per deployment group in the function's configuration
 * (`CODEDEPLOY_HOOK_SPECS`: JSON keyed by `application/deploymentGroup`, `*` for every other one);
 * no entry: every default.
 *
 * Which stages are judged:
 * - AfterAllowTestTraffic: the test round (probes through the test listener), like the Greenlight driver's.
 * - BeforeAllowTraffic: the test round again when probes are configured (the replacement task set
 *   still has only test traffic), else nothing to judge.
 * - AfterAllowTraffic: the bake, the replacement task set on production traffic, judged on the limits.
 * - BeforeInstall, AfterInstall: nothing to judge (no replacement traffic yet).
 * Every watch ends within MAX_WATCH_SECONDS: CodeDeploy fails a hook that has not answered in an hour.
 */
import { z } from 'zod';
import { EcsHookSpecSchema, phaseTiming, type EcsHookSpec, type JudgedPhase } from './ecs-hook-spec';
import type { WatchOutcome, WatchState } from './ecs-hook-watch';
import { CODEDEPLOY_ECS_HOOKS, type CodeDeployEcsHook } from './codedeploy-hook-event';
import type { Parsed } from './ecs-hook-event';

/**
 * Longest watch (hold plus margin), seconds. CodeDeploy fails a lifecycle hook after one hour
 * without a status; ten minutes are left for the last evaluation, the status call's retries and
 * the Lambda start.
 */
export const MAX_WATCH_SECONDS = 3000;

/** Key of the spec that applies to every deployment group without one of its own. */
export const ANY_GROUP = '*';

/** A deployment and its ECS target, as the hook reads them from CodeDeploy (and ELB for the ARNs). */
export interface CodeDeployHookTarget {
  deploymentId: string;
  application: string;
  deploymentGroup: string;
  computePlatform: string | null;
  deploymentStatus: string | null;
  /** The ECS service (ecsTarget.targetArn). */
  serviceArn: string | null;
  /** The deployment's description: `Greenlight deployment <id>: ...` when Greenlight started it. */
  description?: string | null;
  lifecycleEvents: { name: string; status: string | null }[];
  taskSets: {
    /** The task set's ID (ecsTarget.taskSetsInfo[].identifer, as CodeDeploy spells it). */
    id: string | null;
    label: string | null;
    trafficWeight: number | null;
    targetGroupName: string | null;
    targetGroupArn: string | null;
  }[];
}

export const HookSpecsSchema = z.record(z.string().min(1).max(300), EcsHookSpecSchema);
export type HookSpecs = Record<string, EcsHookSpec>;

/** Parses `CODEDEPLOY_HOOK_SPECS` (JSON); a bad one is a reason naming the key and field. */
export function parseHookSpecs(json: string | undefined): Parsed<HookSpecs> {
  if (json === undefined || json.trim() === '') return { ok: true, value: {} };
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return { ok: false, reason: 'CODEDEPLOY_HOOK_SPECS: not JSON' };
  }
  const parsed = HookSpecsSchema.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? `.${issue.path.join('.')}` : '';
  return { ok: false, reason: `CODEDEPLOY_HOOK_SPECS${where}: ${issue?.message ?? 'invalid'}` };
}

/** The spec of a deployment group: its own, else `*`, else every default. */
export function specFor(specs: HookSpecs, application: string, deploymentGroup: string): EcsHookSpec {
  return specs[`${application}/${deploymentGroup}`] ?? specs[ANY_GROUP] ?? EcsHookSpecSchema.parse({});
}

/** The hook stage whose lifecycle event is InProgress: this hook execution's stage. */
export function stageOf(target: CodeDeployHookTarget): Parsed<CodeDeployEcsHook> {
  const hooks = CODEDEPLOY_ECS_HOOKS as readonly string[];
  const running = target.lifecycleEvents.filter((e) => e.status === 'InProgress' && hooks.includes(e.name));
  if (running.length === 1) return { ok: true, value: running[0]!.name as CodeDeployEcsHook };
  return {
    ok: false,
    reason:
      running.length === 0
        ? 'lifecycleEvents: no hook lifecycle event is InProgress (the hook answered late, or the deployment moved on)'
        : `lifecycleEvents: several hook lifecycle events InProgress (${running.map((e) => e.name).join(', ')})`,
  };
}

/** A watch the gate-watch state machine runs: everything an evaluation needs, JSON. */
export interface GateWatch {
  stage: CodeDeployEcsHook;
  phase: JudgedPhase;
  spec: EcsHookSpec;
  key: string;
  startedAt: number;
  deadlineAt: number;
  holdSeconds: number;
  intervalSeconds: number;
  /** The replacement (GREEN) task set's production weight when the watch began. */
  newPercent: number;
  /** Target group ARNs: green is the replacement task set's, blue the original's. */
  targetGroups: { blue: string; green: string };
  /** The replacement (GREEN) task set's ID: its tasks' stops are the watch's (ecs-new-task-stops.ts). */
  newTaskSet: string;
  cluster: string;
  service: string;
}

export type CodeDeployHookPlan =
  | { kind: 'watch'; stage: CodeDeployEcsHook; watch: GateWatch }
  | { kind: 'succeed'; stage: CodeDeployEcsHook; reason: string }
  | { kind: 'fail'; stage: CodeDeployEcsHook | null; reason: string };

const NOT_JUDGED: Partial<Record<CodeDeployEcsHook, string>> = {
  BeforeInstall: 'the replacement task set is not created yet',
  AfterInstall: 'the replacement task set serves no traffic yet',
};

/** What the hook does with this hook execution at `now`: answer at once, or start a watch. */
export function planCodeDeployHook(
  target: CodeDeployHookTarget,
  specs: HookSpecs,
  now: number,
): CodeDeployHookPlan {
  if (target.computePlatform !== null && target.computePlatform !== 'ECS') {
    return {
      kind: 'fail',
      stage: null,
      reason: `computePlatform: ${target.computePlatform}; this hook judges ECS deployments only`,
    };
  }
  const staged = stageOf(target);
  if (!staged.ok) return { kind: 'fail', stage: null, reason: staged.reason };
  const stage = staged.value;
  const fail = (reason: string): CodeDeployHookPlan => ({ kind: 'fail', stage, reason });
  const notJudged = NOT_JUDGED[stage];
  if (notJudged) return { kind: 'succeed', stage, reason: notJudged };
  const spec = specFor(specs, target.application, target.deploymentGroup);
  if (stage === 'BeforeAllowTraffic' && !spec.probes) {
    return {
      kind: 'succeed',
      stage,
      reason: 'no probes configured: nothing to judge before production traffic',
    };
  }
  const phase: JudgedPhase = stage === 'AfterAllowTraffic' ? 'bake' : 'test';
  if (phase === 'test' && !spec.probes) {
    return fail(
      `CODEDEPLOY_HOOK_SPECS["${target.application}/${target.deploymentGroup}"].probes: required to judge ${stage} (probes are the only traffic the test listener carries)`,
    );
  }
  // The SDK's TargetLabel values are "Blue" / "Green", its documentation writes BLUE / GREEN: both read.
  const labelled = (label: string) => target.taskSets.find((t) => t.label?.toUpperCase() === label);
  const green = labelled('GREEN');
  const blue = labelled('BLUE');
  if (!green?.targetGroupArn || !blue?.targetGroupArn) {
    return fail('ecsTarget.taskSetsInfo: expected a BLUE and a GREEN task set, each with a target group');
  }
  if (green.targetGroupArn === blue.targetGroupArn) {
    return fail('ecsTarget.taskSetsInfo: BLUE and GREEN share one target group');
  }
  if (!green.id) {
    return fail(
      'ecsTarget.taskSetsInfo: the GREEN task set has no identifer (its task stops cannot be read)',
    );
  }
  const newPercent = green.trafficWeight ?? 0;
  if (phase === 'bake' && newPercent <= 0) {
    return fail('ecsTarget.taskSetsInfo: the GREEN task set has no production traffic at AfterAllowTraffic');
  }
  const service = /:service\/([^/]+)\/([^/]+)$/.exec(target.serviceArn ?? '');
  if (!service)
    return fail(`ecsTarget.targetArn: expected an ECS service ARN, got "${target.serviceArn ?? ''}"`);
  const timing = phaseTiming(spec, phase);
  if (timing.holdSeconds + timing.intervalSeconds > MAX_WATCH_SECONDS) {
    const field = phase === 'bake' ? 'bakeSeconds' : 'testTraffic.holdSeconds';
    return fail(
      `${field}: ${timing.holdSeconds} s cannot be watched within CodeDeploy's one-hour hook limit (at most ${MAX_WATCH_SECONDS - timing.intervalSeconds} s with this interval)`,
    );
  }
  const watchSeconds = Math.min(timing.holdSeconds + timing.marginSeconds, MAX_WATCH_SECONDS);
  return {
    kind: 'watch',
    stage,
    watch: {
      stage,
      phase,
      spec,
      key: `${stage}:${target.deploymentId}`,
      startedAt: now,
      deadlineAt: now + watchSeconds * 1000,
      holdSeconds: timing.holdSeconds,
      intervalSeconds: timing.intervalSeconds,
      newPercent,
      targetGroups: { blue: blue.targetGroupArn, green: green.targetGroupArn },
      newTaskSet: green.id,
      cluster: service[1]!,
      service: service[2]!,
    },
  };
}

export type WatchVerdict = 'pass' | 'fail' | 'watch';

/** The verdict of one evaluation and the watch's state for the next. */
export interface WatchStep {
  verdict: WatchVerdict;
  reasons: string[];
  state: WatchState;
}

/**
 * The verdict after an evaluation: pass when the gate passed (or promoted), fail when it failed or
 * the watch reached its deadline without a pass (too little evidence is never a pass), else watch.
 */
export function advanceWatch(
  watch: GateWatch,
  previous: WatchState | null,
  outcome: WatchOutcome,
  now: number,
): WatchStep {
  const state: WatchState = {
    v: 1,
    key: watch.key,
    startedAt: watch.startedAt,
    deadlineAt: watch.deadlineAt,
    evaluations: (previous?.evaluations ?? 0) + 1,
    consecutiveFailures: outcome.consecutiveFailures,
    at: outcome.at,
    stopsSince: outcome.stopsSince,
    ...(outcome.dataUntil !== undefined ? { dataUntil: outcome.dataUntil } : {}),
  };
  const reasons = outcome.reasons;
  if (outcome.decision === 'advance' || outcome.decision === 'promote')
    return { verdict: 'pass', reasons, state };
  if (outcome.decision === 'rollback') return { verdict: 'fail', reasons, state };
  // The judge fails a watch at its deadline; this stays true even if a judge did not.
  if (now >= watch.deadlineAt) {
    return {
      verdict: 'fail',
      reasons: [
        ...reasons,
        `watch deadline passed after ${Math.round((now - watch.startedAt) / 1000)} s without a pass`,
      ],
      state,
    };
  }
  return { verdict: 'watch', reasons, state };
}
