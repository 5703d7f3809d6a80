/**
 * The Lambda lifecycle hook of ECS built-in blue/green, linear and canary deployments, answering
 * with Greenlight's gate (the same judgeTestRound / judgeStep / judgeBake as the Greenlight
 * driver's Evaluate steps). Whatever happens, ECS gets an answer: a malformed event, a missing or
 * corrupt spec or watch state, a failed AWS call or any other error answers FAILED (ECS rolls
 * back) and is logged by field, never with the event (its hookDetails are the user's).
 *
 * Beside the target groups' metrics it reads the load balancer's own 5xx, the alarms the hook
 * spec names and the new revision's task stops since the watch began (evaluate-watch.ts): both
 * revisions are tasks of one service, so the target service revision's are told by its task
 * definition (ecs-new-task-stops.ts). Not read here, unlike the Greenlight driver: manual commands
 * (ECS's PAUSE hooks and StopServiceDeployment stand for them).
 *
 * Each answer is also written into Greenlight's history (hook-history.ts), after the verdict is
 * decided and without changing it.
 */
import type { Context } from 'aws-lambda';
import { parseEcsHookEvent, revisionId, type EcsHookEvent } from '../../shared/domain/hooks/ecs-hook-event';
import {
  newRevisionTargetGroups,
  rulesToRead,
  type RuleReading,
} from '../../shared/domain/hooks/ecs-target-groups';
import { answerWatch, planEcsHook, type HookResponse } from '../../shared/domain/hooks/ecs-hook-watch';
import { scrubCredentials } from '../../shared/domain/credential-scrub';
import { lambdaHandler, type Logger } from '../../shared/lambda';
import type { Alarms } from '../../shared/ports/alarms';
import type { Clock } from '../../shared/ports/clock';
import type { EcsBlueGreen } from '../../shared/ports/ecs-blue-green';
import type { Metrics } from '../../shared/ports/metrics';
import type { NewTaskStops } from '../../shared/ports/new-task-stops';
import type { Probe } from '../../shared/ports/probe';
import type { Router } from '../../shared/ports/router';
import { evaluateWatch } from './evaluate-watch';
import { recordHookVerdict, type HookHistoryDeps, type HookSubject } from './hook-history';
import {
  greenlightIdOfHookDetails,
  hookRecordRef,
  type HookVerdict,
} from '../../shared/domain/hooks/hook-history';

export type { HookResponse };

export interface EcsHookDeps {
  blueGreen: EcsBlueGreen;
  metrics: Metrics;
  router: Pick<Router, 'targetHealth'>;
  probe: Probe;
  /** The hook spec's alarms; a watch naming alarms fails without it. */
  alarms?: Pick<Alarms, 'firing'>;
  /** The target service revision's stopped tasks. */
  taskStops: Pick<NewTaskStops, 'ofServiceRevision'>;
  clock: Clock;
  logger: Logger;
  /** Greenlight's store and notifier; null (or absent) when the function has none configured. */
  history?: HookHistoryDeps | null;
}

/** The stage whose pass ends an ECS deployment as far as the hook sees it. */
const FINAL_STAGE = 'POST_PRODUCTION_TRAFFIC_SHIFT';

/** The record an event's history goes to: Greenlight's own deployment, or a hook-only one. */
function subjectOf(event: EcsHookEvent): HookSubject {
  const externalId = event.resourceArn ?? event.targetRevisionArn;
  return {
    controller: 'ecs',
    externalId,
    record: hookRecordRef('ecs', externalId, greenlightIdOfHookDetails(event.hookDetails)),
    service: event.serviceName,
    cluster: event.cluster,
    image: event.targetRevisionArn,
  };
}

function record(
  deps: EcsHookDeps,
  event: EcsHookEvent,
  verdict: Omit<HookVerdict, 'controller' | 'stage' | 'finalStage'>,
) {
  return recordHookVerdict(
    { history: deps.history ?? null, clock: deps.clock, logger: deps.logger },
    subjectOf(event),
    { ...verdict, controller: 'ecs', stage: event.stage, finalStage: event.stage === FINAL_STAGE },
  );
}

const FAILED: HookResponse = { hookStatus: 'FAILED' };

/** One invocation: the answer ECS reads. Never throws. */
export async function ecsHook(deps: EcsHookDeps, raw: unknown): Promise<HookResponse> {
  try {
    return await answer(deps, raw);
  } catch (error) {
    deps.logger.error('ECS hook: internal error, answering FAILED', { error: errorSummary(error) });
    await recordInternalError(deps, raw, error);
    return FAILED;
  }
}

/** Longest part of an internal error's message kept in the history (which people read and notifications quote). */
const ERROR_MESSAGE_LIMIT = 200;

/**
 * Writes the FAILED answer of an internal error into the history, as any other answer (same cap,
 * never throwing): the message bounded and scrubbed of credentials, as AWS errors may quote them.
 */
async function recordInternalError(deps: EcsHookDeps, raw: unknown, error: unknown): Promise<void> {
  try {
    const parsed = parseEcsHookEvent(raw);
    if (!parsed.ok) return;
    const { name, message } = errorSummary(error);
    const reason = `internal error: ${name}: ${scrubCredentials(message).slice(0, ERROR_MESSAGE_LIMIT)}`;
    await record(deps, parsed.value, {
      answer: 'FAILED',
      reasons: [reason],
      evaluation: 0,
      // Its own key: an internal error and the gate's FAILED of the same stage are two events.
      watchKey: `${revisionId(parsed.value.targetRevisionArn)}:internal-error`,
    });
  } catch (recordError) {
    deps.logger.error('ECS hook: internal error not recorded (the answer stands)', {
      error: errorSummary(recordError),
    });
  }
}

async function answer(deps: EcsHookDeps, raw: unknown): Promise<HookResponse> {
  const parsed = parseEcsHookEvent(raw);
  if (!parsed.ok) {
    deps.logger.warn('ECS hook: malformed event, answering FAILED', { reason: parsed.reason });
    return FAILED;
  }
  const event = parsed.value;
  const context = logContext(event);
  const now = deps.clock.now();
  const plan = planEcsHook(event, now);
  const unjudged = { evaluation: 0, watchKey: revisionId(event.targetRevisionArn) };
  if (plan.kind === 'fail') {
    deps.logger.warn('ECS hook: answering FAILED', { ...context, reason: plan.reason });
    await record(deps, event, { ...unjudged, answer: 'FAILED', reasons: [plan.reason] });
    return FAILED;
  }
  if (plan.kind === 'succeed') {
    const rollback = plan.outcome === 'rollback-recorded';
    deps.logger.info(rollback ? 'ECS hook: rollback recorded' : 'ECS hook: stage not judged', {
      ...context,
      outcome: plan.outcome,
      reason: plan.reason,
    });
    await record(deps, event, {
      ...unjudged,
      answer: rollback ? 'ROLLBACK' : 'SUCCEEDED',
      reasons: [plan.reason],
    });
    return { hookStatus: 'SUCCEEDED' };
  }
  const targetGroups = await findTargetGroups(deps, event);
  if (!targetGroups.ok) {
    deps.logger.warn('ECS hook: answering FAILED', { ...context, reason: targetGroups.reason });
    await record(deps, event, { ...unjudged, answer: 'FAILED', reasons: [targetGroups.reason] });
    return FAILED;
  }
  const names = { cluster: event.cluster, service: event.serviceName };
  const outcome = await evaluateWatch(deps, plan, targetGroups.value, names, now, (since) =>
    deps.taskStops.ofServiceRevision(names, event.targetRevisionArn, since),
  );
  const response = answerWatch(plan, outcome, event.hookDetails);
  deps.logger.info('ECS hook: gate evaluated', {
    ...context,
    phase: plan.phase,
    newPercent: plan.newPercent,
    evaluation: (plan.previous?.evaluations ?? 0) + 1,
    decision: outcome.decision,
    reasons: outcome.reasons,
    hookStatus: response.hookStatus,
  });
  await record(deps, event, {
    answer: response.hookStatus,
    reasons: outcome.reasons,
    evaluation: (plan.previous?.evaluations ?? 0) + 1,
    watchKey: plan.key,
    newPercent: plan.newPercent,
  });
  return response;
}

/** The new revision's target group ("green") and the live one ("blue"). */
async function findTargetGroups(deps: EcsHookDeps, event: EcsHookEvent) {
  const routes = await deps.blueGreen.routes(event.serviceArn);
  const route = routes[0];
  if (!route) {
    return {
      ok: false as const,
      reason: `service ${event.serviceName}: no load balancer with advancedConfiguration.alternateTargetGroupArn (not a blue/green service)`,
    };
  }
  const readings: RuleReading[] = await Promise.all(
    rulesToRead(event, route).map(async ({ rule, arn, newPercent }) => ({
      rule,
      weights: await deps.blueGreen.ruleWeights(arn),
      newPercent,
    })),
  );
  const found = newRevisionTargetGroups(route, readings);
  return found.ok ? { ok: true as const, value: { blue: found.value.live, green: found.value.new } } : found;
}

/** What every log line of an invocation says: never hookDetails, never the event. */
function logContext(event: EcsHookEvent) {
  return {
    stage: event.stage,
    cluster: event.cluster,
    service: event.serviceName,
    deployment: event.resourceArn,
    executionId: event.executionId,
    targetRevision: revisionId(event.targetRevisionArn),
  };
}

function errorSummary(error: unknown): { name: string; message: string } {
  return error instanceof Error
    ? { name: error.name, message: error.message.slice(0, 500) }
    : { name: 'Error', message: 'non-Error thrown' };
}

/**
 * The Lambda handler: middy with the logger's context, inside a last catch so that not even a
 * failure of the wrapper leaves ECS without an answer.
 */
export function createEcsHookHandler(deps: EcsHookDeps) {
  const inner = lambdaHandler(deps.logger, (event: unknown) => ecsHook(deps, event));
  return async (event: unknown, context: Context): Promise<HookResponse> => {
    try {
      return await inner(event, context);
    } catch (error) {
      deps.logger.error('ECS hook: handler failed, answering FAILED', { error: errorSummary(error) });
      return FAILED;
    }
  };
}
