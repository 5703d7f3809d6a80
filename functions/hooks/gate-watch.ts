/**
 * The two steps of the gate-watch state machine (statemachines/gate-watch.asl.json), which watches
 * a CodeDeploy hook execution longer than one Lambda invocation: Evaluate (one gate evaluation of
 * the watch, the verdict pass / fail / watch for the machine's Choice) and Report
 * (PutLifecycleEventHookExecutionStatus). The machine owns the loop, the retries and the catches:
 * every path ends in a Report state, ReportFailed when anything failed.
 *
 * Evaluate reads the replacement task set's task stops with the other signals (evaluate-watch.ts):
 * CodeDeploy runs both task sets in one service, so the set's own are told by its task definition
 * (DescribeTaskSets on the ID CodeDeploy names, ecs-new-task-stops.ts). A watch document without
 * that ID (started before the hook recorded it) goes on without task stops (logged).
 */
import { advanceWatch, type WatchVerdict } from '../../shared/domain/hooks/codedeploy-hook-plan';
import { EcsHookSpecSchema } from '../../shared/domain/hooks/ecs-hook-spec';
import { WatchStateSchema } from '../../shared/domain/hooks/ecs-hook-watch';
import { GreenlightError } from '../../shared/domain/errors';
import type { NewTaskStops } from '../../shared/ports/new-task-stops';
import { lambdaHandler, type Logger } from '../../shared/lambda';
import type { Clock } from '../../shared/ports/clock';
import type {
  CodeDeployHooks,
  HookExecutionStatus,
  ReportOutcome,
} from '../../shared/ports/codedeploy-hooks';
import { addressOf, codeDeployVerdict, errorSummary, type GateWatchDocument } from './codedeploy-hook';
import { recordHookVerdict, type HookHistoryDeps } from './hook-history';
import { evaluateWatch, type EvaluateWatchDeps } from './evaluate-watch';

/** The watch document is not what the hook Lambda starts the machine with. */
export class GateWatchInputError extends GreenlightError {}

export interface GateWatchEvaluateDeps extends EvaluateWatchDeps {
  /** The replacement task set's stopped tasks. */
  taskStops: Pick<NewTaskStops, 'ofTaskSet'>;
  clock: Clock;
  logger: Logger;
  /** Greenlight's store and notifier, for the watch's bounded readings; null when not configured. */
  history?: HookHistoryDeps | null;
}

export type EvaluatedDocument = GateWatchDocument & { verdict: WatchVerdict; reasons: string[] };

/** One evaluation: the document for the next state, with the verdict the Choice reads. */
export async function gateWatchEvaluate(
  deps: GateWatchEvaluateDeps,
  input: unknown,
): Promise<EvaluatedDocument> {
  const document = input as GateWatchDocument;
  const watch = document?.watch;
  if (
    !watch ||
    !addressOf({
      DeploymentId: document.hook?.deploymentId,
      LifecycleEventHookExecutionId: document.hook?.lifecycleEventHookExecutionId,
    })
  ) {
    throw new GateWatchInputError('watch document: hook and watch are required');
  }
  // A watch started by an earlier version of the hook (before the task set was kept) goes on
  // without task stops rather than failing the customer's deployment over Greenlight's upgrade:
  // task stops can only fail a watch, never pass one, so leaving them out passes nothing new.
  const newTaskSet =
    typeof watch.newTaskSet === 'string' && watch.newTaskSet.length > 0 ? watch.newTaskSet : null;
  if (!newTaskSet) {
    deps.logger.warn(
      'CodeDeploy gate watch: no replacement task set in the watch document; task stops not read',
      {
        deployment: document.hook.deploymentId,
        stage: watch.stage,
      },
    );
  }
  const spec = EcsHookSpecSchema.safeParse(watch.spec);
  if (!spec.success) throw new GateWatchInputError('watch.spec: invalid');
  let previous = null;
  if (document.state !== null && document.state !== undefined) {
    const state = WatchStateSchema.safeParse(document.state);
    if (!state.success || state.data.key !== watch.key) throw new GateWatchInputError('state: corrupt');
    previous = state.data;
  }
  const now = deps.clock.now();
  const service = { cluster: watch.cluster, service: watch.service };
  const outcome = await evaluateWatch(
    deps,
    { ...watch, spec: spec.data, previous },
    watch.targetGroups,
    service,
    now,
    (since) => (newTaskSet ? deps.taskStops.ofTaskSet(service, newTaskSet, since) : Promise.resolve([])),
  );
  const step = advanceWatch(watch, previous, outcome, now);
  deps.logger.info('CodeDeploy gate watch: evaluated', {
    deployment: document.hook.deploymentId,
    stage: watch.stage,
    phase: watch.phase,
    evaluation: step.state.evaluations,
    decision: outcome.decision,
    verdict: step.verdict,
    reasons: step.reasons,
  });
  // Pass and fail are recorded by Report, with the status actually sent; here only readings.
  if (document.history && step.verdict === 'watch') {
    await recordHookVerdict(
      { history: deps.history ?? null, clock: deps.clock, logger: deps.logger },
      document.history,
      codeDeployVerdict(watch.stage, {
        answer: 'IN_PROGRESS',
        reasons: step.reasons,
        evaluation: step.state.evaluations,
        watchKey: watch.key,
        newPercent: watch.newPercent,
      }),
    );
  }
  return { ...document, state: step.state, verdict: step.verdict, reasons: step.reasons };
}

export interface GateWatchReportDeps {
  codeDeploy: Pick<CodeDeployHooks, 'report'>;
  logger: Logger;
  /** Greenlight's store and notifier, for the verdict's history and notification; null when not configured. */
  history?: HookHistoryDeps | null;
  /** Needed with `history` (the events' times). */
  clock?: Clock;
}

export interface ReportInput {
  status: HookExecutionStatus;
  /** The machine's whole state: the watch document, and `fault` after a caught error. */
  document: Partial<EvaluatedDocument> & { fault?: { Error?: string; Cause?: string } };
}

/** Sends the status; throws when it cannot (the machine retries). */
export async function gateWatchReport(
  deps: GateWatchReportDeps,
  input: ReportInput,
): Promise<{ status: HookExecutionStatus; report: ReportOutcome }> {
  const status = input?.status;
  if (status !== 'Succeeded' && status !== 'Failed')
    throw new GateWatchInputError('status: expected Succeeded or Failed');
  const hook = input.document?.hook;
  const address = addressOf({
    DeploymentId: hook?.deploymentId,
    LifecycleEventHookExecutionId: hook?.lifecycleEventHookExecutionId,
  });
  if (!address)
    throw new GateWatchInputError(
      'document.hook: deploymentId and lifecycleEventHookExecutionId are required',
    );
  const report = await deps.codeDeploy.report(
    address.deploymentId,
    address.lifecycleEventHookExecutionId,
    status,
  );
  const fault = input.document.fault;
  deps.logger[status === 'Succeeded' ? 'info' : 'warn'](`CodeDeploy gate watch: ${status}`, {
    deployment: address.deploymentId,
    stage: input.document.context?.stage,
    report,
    reasons: input.document.reasons ?? [],
    // The fault's name only: its cause may quote AWS's answers at length.
    ...(fault ? { fault: fault.Error ?? 'unknown' } : {}),
  });
  const document = input.document;
  if (document.history && document.watch && deps.clock) {
    const reasons = document.reasons?.length
      ? document.reasons
      : fault
        ? [`the watch failed: ${fault.Error ?? 'unknown error'}`]
        : [];
    // After the status is sent, so no write can delay or change it.
    await recordHookVerdict(
      { history: deps.history ?? null, clock: deps.clock, logger: deps.logger },
      document.history,
      codeDeployVerdict(document.watch.stage, {
        answer: status === 'Succeeded' ? 'SUCCEEDED' : 'FAILED',
        reasons,
        evaluation: document.state?.evaluations ?? 0,
        watchKey: document.watch.key,
        newPercent: document.watch.newPercent,
      }),
    );
  }
  return { status, report };
}

export function createGateWatchEvaluateHandler(deps: GateWatchEvaluateDeps) {
  return lambdaHandler(deps.logger, (input: unknown) => gateWatchEvaluate(deps, input));
}

export function createGateWatchReportHandler(deps: GateWatchReportDeps) {
  return lambdaHandler(deps.logger, (input: ReportInput) =>
    gateWatchReport(deps, input).catch((error: unknown) => {
      deps.logger.error('CodeDeploy gate watch: status not sent', { error: errorSummary(error) });
      throw error;
    }),
  );
}
