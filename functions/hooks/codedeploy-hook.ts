/**
 * The Lambda lifecycle hook of CodeDeploy ECS blue/green deployments (AppSpec `Hooks`:
 * AfterAllowTestTraffic, BeforeAllowTraffic, AfterAllowTraffic), answering with Greenlight's gate.
 * CodeDeploy waits up to an hour for PutLifecycleEventHookExecutionStatus; a watch longer than one
 * invocation runs in the gate-watch state machine (statemachines/gate-watch.asl.json), which sends
 * the status itself. Stages with nothing to judge, and every refusal, are answered from here.
 *
 * Whatever fails, a status is sent when the event names the hook execution: a malformed event, a
 * bad gate configuration, a failed read or a failed StartExecution answer Failed (CodeDeploy rolls
 * back). Only an event without both ids cannot be answered (there is nothing to address); it is
 * logged. The handler never throws: a thrown error would only have Lambda retry the same event.
 */
import { createHash } from 'node:crypto';
import type { Context } from 'aws-lambda';
import {
  parseCodeDeployHookEvent,
  type CodeDeployEcsHook,
} from '../../shared/domain/hooks/codedeploy-hook-event';
import {
  planCodeDeployHook,
  type CodeDeployHookTarget,
  type GateWatch,
  type HookSpecs,
} from '../../shared/domain/hooks/codedeploy-hook-plan';
import type { Parsed } from '../../shared/domain/hooks/ecs-hook-event';
import type { WatchState } from '../../shared/domain/hooks/ecs-hook-watch';
import { lambdaHandler, type Logger } from '../../shared/lambda';
import type { Clock } from '../../shared/ports/clock';
import type { CodeDeployHooks, HookExecutionStatus } from '../../shared/ports/codedeploy-hooks';
import type { Executions } from '../../shared/ports/executions';
import {
  greenlightIdOfDescription,
  hookRecordRef,
  type HookVerdict,
} from '../../shared/domain/hooks/hook-history';
import { recordHookVerdict, type HookHistoryDeps, type HookSubject } from './hook-history';

export interface CodeDeployHookDeps {
  codeDeploy: CodeDeployHooks;
  /** Executions of the gate-watch state machine. */
  watches: Pick<Executions, 'start'>;
  /** CODEDEPLOY_HOOK_SPECS, parsed once at cold start. */
  specs: Parsed<HookSpecs>;
  clock: Clock;
  logger: Logger;
  /** Greenlight's store and notifier; null (or absent) when the function has none configured. */
  history?: HookHistoryDeps | null;
}

/** The hook whose pass ends a CodeDeploy deployment as far as Greenlight's hooks see it. */
export const CODEDEPLOY_FINAL_STAGE = 'AfterAllowTraffic';

/** The record a CodeDeploy deployment's history goes to: Greenlight's own, or a hook-only one. */
export function codeDeploySubject(target: CodeDeployHookTarget): HookSubject {
  const service = /:service\/([^/]+)\/([^/]+)$/.exec(target.serviceArn ?? '');
  return {
    controller: 'codedeploy',
    externalId: target.deploymentId,
    record: hookRecordRef('codedeploy', target.deploymentId, greenlightIdOfDescription(target.description)),
    service: service?.[2] ?? target.deploymentGroup,
    cluster: service?.[1] ?? 'unknown',
    image: `CodeDeploy ${target.application}/${target.deploymentGroup} ${target.deploymentId}`,
  };
}

/** A CodeDeploy verdict as the history records it. */
export function codeDeployVerdict(
  stage: string,
  verdict: Pick<HookVerdict, 'answer' | 'reasons' | 'evaluation' | 'watchKey' | 'newPercent'>,
): HookVerdict {
  return { ...verdict, controller: 'codedeploy', stage, finalStage: stage === CODEDEPLOY_FINAL_STAGE };
}

/** Where a hook execution's status goes. */
export interface HookAddress {
  deploymentId: string;
  lifecycleEventHookExecutionId: string;
}

/** The gate-watch state machine's input and state between its states (JSON). */
export interface GateWatchDocument {
  hook: HookAddress;
  context: { application: string; deploymentGroup: string; stage: CodeDeployEcsHook };
  watch: GateWatch;
  state: WatchState | null;
  /** Where the watch's verdicts and readings are recorded (absent in documents started before it existed). */
  history?: HookSubject;
}

export type CodeDeployHookResult =
  | { outcome: 'watching'; execution: string }
  | { outcome: 'reported'; status: HookExecutionStatus; reason: string }
  | { outcome: 'unsent'; status: HookExecutionStatus; reason: string }
  | { outcome: 'unaddressed'; reason: string };

/** The two ids when the event has them as strings, however malformed the rest. */
export function addressOf(raw: unknown): HookAddress | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const { DeploymentId, LifecycleEventHookExecutionId } = raw as Record<string, unknown>;
  const usable = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 1024;
  return usable(DeploymentId) && usable(LifecycleEventHookExecutionId)
    ? { deploymentId: DeploymentId, lifecycleEventHookExecutionId: LifecycleEventHookExecutionId }
    : null;
}

/**
 * The execution name of a hook execution's watch (at most 80 characters of [A-Za-z0-9-_]): a retry
 * of the same invocation finds the watch already started instead of starting a second.
 */
export function watchExecutionName(address: HookAddress, stage: CodeDeployEcsHook): string {
  const digest = createHash('sha256')
    .update(address.lifecycleEventHookExecutionId)
    .digest('hex')
    .slice(0, 24);
  const deployment = address.deploymentId.replace(/[^A-Za-z0-9-_]/g, '').slice(0, 32);
  return `${deployment}-${stage}-${digest}`;
}

/** One invocation. Never throws. */
export async function codeDeployHook(deps: CodeDeployHookDeps, raw: unknown): Promise<CodeDeployHookResult> {
  const address = addressOf(raw);
  if (!address) {
    const reason = 'event: DeploymentId and LifecycleEventHookExecutionId are required to answer';
    deps.logger.error('CodeDeploy hook: event cannot be answered', { reason });
    return { outcome: 'unaddressed', reason };
  }
  const context: Record<string, unknown> = { deployment: address.deploymentId };
  let subject: HookSubject | null = null;
  let stage: string | null = null;
  const answer = async (status: HookExecutionStatus, reason: string): Promise<CodeDeployHookResult> => {
    const result = await send(status, reason);
    if (subject && stage) {
      await recordHookVerdict(
        { history: deps.history ?? null, clock: deps.clock, logger: deps.logger },
        subject,
        codeDeployVerdict(stage, {
          answer: status === 'Succeeded' ? 'SUCCEEDED' : 'FAILED',
          reasons: [reason],
          evaluation: 0,
          watchKey: address.lifecycleEventHookExecutionId,
        }),
      );
    }
    return result;
  };
  const send = async (status: HookExecutionStatus, reason: string): Promise<CodeDeployHookResult> => {
    try {
      const sent = await deps.codeDeploy.report(
        address.deploymentId,
        address.lifecycleEventHookExecutionId,
        status,
      );
      deps.logger[status === 'Succeeded' ? 'info' : 'warn'](`CodeDeploy hook: ${status}`, {
        ...context,
        reason,
        report: sent,
      });
      return { outcome: 'reported', status, reason };
    } catch (error) {
      deps.logger.error('CodeDeploy hook: status not sent', {
        ...context,
        status,
        reason,
        error: errorSummary(error),
      });
      return { outcome: 'unsent', status, reason };
    }
  };
  try {
    const parsed = parseCodeDeployHookEvent(raw);
    if (!parsed.ok) return await answer('Failed', `malformed event: ${parsed.reason}`);
    if (!deps.specs.ok) return await answer('Failed', deps.specs.reason);
    const target: CodeDeployHookTarget = await deps.codeDeploy.target(address.deploymentId);
    Object.assign(context, {
      application: target.application,
      deploymentGroup: target.deploymentGroup,
      service: target.serviceArn,
    });
    subject = codeDeploySubject(target);
    const plan = planCodeDeployHook(target, deps.specs.value, deps.clock.now());
    if (plan.stage) context.stage = plan.stage;
    stage = plan.stage;
    if (plan.kind === 'fail') return await answer('Failed', plan.reason);
    if (plan.kind === 'succeed') return await answer('Succeeded', `not judged: ${plan.reason}`);
    const document: GateWatchDocument = {
      hook: address,
      context: {
        application: target.application,
        deploymentGroup: target.deploymentGroup,
        stage: plan.stage,
      },
      watch: plan.watch,
      state: null,
      history: subject,
    };
    const execution = watchExecutionName(address, plan.stage);
    // Any outcome means a watch of this hook execution exists, and it sends the status.
    const started = await deps.watches.start(execution, JSON.stringify(document));
    deps.logger.info('CodeDeploy hook: gate watch started', {
      ...context,
      execution,
      start: started,
      phase: plan.watch.phase,
      newPercent: plan.watch.newPercent,
      deadlineAt: new Date(plan.watch.deadlineAt).toISOString(),
    });
    return { outcome: 'watching', execution };
  } catch (error) {
    deps.logger.error('CodeDeploy hook: internal error, answering Failed', {
      ...context,
      error: errorSummary(error),
    });
    return answer('Failed', `internal error: ${errorSummary(error).name}`);
  }
}

export function errorSummary(error: unknown): { name: string; message: string } {
  return error instanceof Error
    ? { name: error.name, message: error.message.slice(0, 500) }
    : { name: 'Error', message: 'non-Error thrown' };
}

/** The Lambda handler: middy with the logger's context, inside a last catch (never a throw). */
export function createCodeDeployHookHandler(deps: CodeDeployHookDeps) {
  const inner = lambdaHandler(deps.logger, (event: unknown) => codeDeployHook(deps, event));
  return async (event: unknown, context: Context): Promise<CodeDeployHookResult> => {
    try {
      return await inner(event, context);
    } catch (error) {
      deps.logger.error('CodeDeploy hook: handler failed', { error: errorSummary(error) });
      return { outcome: 'unaddressed', reason: 'handler failed' };
    }
  };
}
