/**
 * PollExternal: where the controller's deployment is, and what people asked of it since the last
 * poll. An abort request (or the deadline passing) stops it with the controller's rollback; a
 * promote request ends the wait it is held at. At the deadline a deployment held only for its
 * termination wait (traffic already moved) is let past that wait and followed, not rolled back. Each change of state is one history event, not
 * each poll. The workflow decides on `state`: terminal ends it, anything else polls again.
 */
import { z } from 'zod';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import type { DeploymentRecord } from '../../shared/domain/deployment';
import type { DeploymentController } from '../../shared/ports/controller';
import { recordEvent, renewLock, type DeployDeps } from './context';
import {
  ABORT_GRACE_MS,
  controllerFor,
  ExternalDeploymentContextSchema,
  ExternalProgressSchema,
  isTerminal,
  outcomeError,
  type ExternalProgress,
} from './external';
import { SpecSchema } from '../../shared/domain/spec';

type Deps = Pick<DeployDeps, 'controllers' | 'store' | 'clock' | 'logger'>;

const PollInputSchema = z.object({
  deployment: ExternalDeploymentContextSchema,
  spec: SpecSchema,
  external: ExternalProgressSchema,
});

export async function pollExternal(deps: Deps, event: unknown): Promise<ExternalProgress> {
  const { deployment, spec, external } = parseInput(PollInputSchema, event);
  const { controller } = controllerFor(deps, spec);
  const id = external.deploymentId;
  if (!id) return external;
  let progress: ExternalProgress = { ...external };
  const status = await controller.status(id);
  const now = deps.clock.now();
  const changed = status.state !== external.state || status.controllerStatus !== external.controllerStatus;
  progress = {
    ...progress,
    state: status.state,
    controllerStatus: status.controllerStatus,
    ...(status.reason ? { reason: status.reason } : {}),
  };
  if (changed) {
    await recordEvent(
      deps,
      deployment.id,
      'EXTERNAL_STATUS',
      `${external.controller} deployment ${id} is ${status.controllerStatus}${status.reason ? ` (${status.reason})` : ''}`,
      { externalId: id, state: status.state, controllerStatus: status.controllerStatus },
    );
  }
  if (isTerminal(status.state)) return ended(progress);

  const record = await deps.store.getDeployment(deployment.id);
  // What an earlier try of this poll decided (a retry has the same input): acted on once.
  progress = withKept(progress, record?.external);
  const actions: Action[] = [];
  const control = record?.control;
  if (!progress.aborted && control && control.at !== progress.controlAt) {
    progress = { ...progress, controlAt: control.at };
    if (control.action === 'abort' && progress.deadlinePassedAt !== undefined) {
      // Past the deadline in the termination wait, traffic is already on the new revision and the
      // polls' budget has only the cleanup left: a rollback now could outlast the execution.
      actions.push({
        kind: 'ignore',
        action: control.action,
        by: control.by,
        why: 'production traffic is already on the new revision and its termination wait was ended at the deadline',
      });
    } else if (control.action === 'abort') {
      const why = `aborted by ${control.by}`;
      progress = aborting(progress, now, why);
      actions.push({ kind: 'abort', why });
    } else {
      actions.push({
        kind: control.action === 'promote' ? 'promote' : 'ignore',
        action: control.action,
        by: control.by,
      });
    }
  }
  if (!progress.aborted && progress.deadlinePassedAt === undefined && now > progress.deadline) {
    const passed = `the deployment passed its deadline (${new Date(progress.deadline).toISOString()})`;
    if (status.terminationWait) {
      // Production traffic is already all on the new revision; only the old one's removal waits.
      // A rollback now would undo a deployment that succeeded: end the wait and follow it instead.
      const why = `${passed} in its termination wait (${status.controllerStatus}): production traffic is already on the new revision, so the wait is ended instead of rolling back`;
      progress = { ...progress, deadlinePassedAt: now };
      actions.push({ kind: 'end-wait', why });
    } else {
      const why =
        status.state === 'waiting'
          ? `${passed} held at a wait no one ended (${status.controllerStatus}), before production traffic moved`
          : passed;
      progress = aborting(progress, now, why);
      actions.push({ kind: 'abort', why });
    }
  } else if (!progress.aborted && progress.waitEndFailed && status.terminationWait) {
    // Ending the termination wait at the deadline failed: tried again at each poll while it holds
    // (a failure of these retries is logged, not recorded again).
    actions.push({
      kind: 'end-wait',
      why: 'the termination wait ended at the deadline still holds',
      retry: true,
    });
  }
  if (progress.aborted && progress.abortedAt !== undefined && now > progress.abortedAt + ABORT_GRACE_MS) {
    // The controller was asked to roll back and never said it had: a person must look.
    return ended({
      ...progress,
      state: 'failed',
      reason: `no end reported ${ABORT_GRACE_MS / 60_000} minutes after the abort`,
    });
  }
  if (
    !progress.aborted &&
    progress.deadlinePassedAt !== undefined &&
    now > progress.deadlinePassedAt + ABORT_GRACE_MS
  ) {
    // Polls are budgeted to the deadline and one grace: a controller that never finishes its
    // cleanup is a person's to look at, not a reason to roll back traffic that moved.
    return ended({
      ...progress,
      state: 'failed',
      reason: `no end reported ${ABORT_GRACE_MS / 60_000} minutes after its termination wait was ended at the deadline`,
    });
  }
  // Kept while the controller works, so no other deployment of the service starts meanwhile; and
  // renewed, with the decision kept, before the controller is asked: a poll retried after acting
  // (a timeout, a lost lock) finds the request handled instead of aborting or promoting twice.
  await renewLock(deps, spec, deployment.id, now);
  if (actions.length > 0) await deps.store.updateDeployment(deployment.id, { external: keptOf(progress) });
  for (const action of actions) {
    const failed = await act(deps, controller, deployment.id, progress, action);
    if (action.kind === 'end-wait') {
      const { waitEndFailed: _previous, ...rest } = progress;
      progress = failed ? { ...rest, waitEndFailed: true } : rest;
    }
  }
  return progress;
}

type Action =
  | { kind: 'abort'; why: string }
  | { kind: 'end-wait'; why: string; retry?: boolean }
  | { kind: 'promote' | 'ignore'; action: string; by: string; why?: string };

/** A terminal state gets the error Finish records (none for a success). */
function ended(progress: ExternalProgress): ExternalProgress {
  if (progress.state === 'succeeded') return progress;
  return {
    ...progress,
    error: outcomeError(progress.state, progress.controllerStatus, progress.reason, progress.abortReason),
  };
}

const aborting = (progress: ExternalProgress, now: number, why: string): ExternalProgress => ({
  ...progress,
  aborted: true,
  abortedAt: now,
  abortReason: why,
});

type Kept = NonNullable<DeploymentRecord['external']>;

/** The progress with what the record keeps of this deployment's polls (the later of each). */
function withKept(progress: ExternalProgress, kept: Kept | undefined): ExternalProgress {
  if (!kept || kept.deploymentId !== progress.deploymentId) return progress;
  let merged = progress;
  if (kept.controlAt !== undefined && (merged.controlAt === undefined || kept.controlAt > merged.controlAt)) {
    merged = { ...merged, controlAt: kept.controlAt };
  }
  if (!merged.aborted && kept.abortedAt !== undefined) {
    merged = { ...merged, aborted: true, abortedAt: kept.abortedAt, abortReason: kept.abortReason };
  }
  if (merged.deadlinePassedAt === undefined && kept.deadlinePassedAt !== undefined) {
    merged = { ...merged, deadlinePassedAt: kept.deadlinePassedAt };
  }
  return merged;
}

function keptOf(progress: ExternalProgress): Kept {
  return {
    controller: progress.controller,
    deploymentId: progress.deploymentId!,
    ...(progress.controlAt !== undefined ? { controlAt: progress.controlAt } : {}),
    ...(progress.abortedAt !== undefined ? { abortedAt: progress.abortedAt } : {}),
    ...(progress.abortReason !== undefined ? { abortReason: progress.abortReason } : {}),
    ...(progress.deadlinePassedAt !== undefined ? { deadlinePassedAt: progress.deadlinePassedAt } : {}),
  };
}

/**
 * What a control request (or the deadline) asks of the controller, once it is kept. True when
 * ending the termination wait failed (the next poll tries again).
 */
async function act(
  deps: Deps,
  controller: DeploymentController<unknown>,
  deploymentId: string,
  progress: ExternalProgress,
  action: Action,
): Promise<boolean> {
  const externalId = progress.deploymentId!;
  if (action.kind === 'abort') {
    // The controller already puts the old revision back: a stop now would only interrupt it.
    if (progress.state === 'rolling-back') {
      await recordEvent(
        deps,
        deploymentId,
        'EXTERNAL_ABORTED',
        `${action.why}: ${progress.controller} deployment ${externalId} is already rolling back, nothing to stop`,
        { externalId, alreadyRollingBack: true },
      );
      return false;
    }
    await controller.abort(externalId);
    await recordEvent(
      deps,
      deploymentId,
      'EXTERNAL_ABORTED',
      `${action.why}: ${progress.controller} deployment ${externalId} stopped with rollback`,
      { externalId },
    );
    return false;
  }
  if (action.kind === 'end-wait') {
    // promote ends the wait the deployment is held at: here the termination wait (its status said
    // so). A failure must not fail the poll: its Catch would abort, rolling back moved traffic.
    let outcome: Awaited<ReturnType<typeof controller.promote>>;
    try {
      outcome = await controller.promote(externalId);
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      deps.logger.warn('PollExternal: ending the termination wait failed; retried at the next poll', {
        externalId,
        error: message,
      });
      if (!action.retry) {
        await recordEvent(
          deps,
          deploymentId,
          'EXTERNAL_DEADLINE_WAIT_ENDED',
          `${action.why}: ending it failed (${message.slice(0, 300)}); retried at each poll while it holds`,
          { externalId, continued: false },
        );
      }
      return true;
    }
    if (action.retry && !outcome.continued) return false;
    await recordEvent(
      deps,
      deploymentId,
      'EXTERNAL_DEADLINE_WAIT_ENDED',
      outcome.continued
        ? `${action.why}: ${progress.controller} deployment ${externalId} continued past its termination wait`
        : `${action.why}: nothing to end (${outcome.reason}), following it to its end`,
      { externalId, continued: outcome.continued },
    );
    return false;
  }
  if (action.kind === 'promote') {
    const outcome = await controller.promote(externalId);
    await recordEvent(
      deps,
      deploymentId,
      outcome.continued ? 'EXTERNAL_PROMOTED' : 'EXTERNAL_PROMOTE_REFUSED',
      outcome.continued
        ? `promote by ${action.by}: ${progress.controller} continued past its wait`
        : `promote by ${action.by} did nothing: ${outcome.reason}`,
      { by: action.by },
    );
    return false;
  }
  // pause / resume: neither CodeDeploy nor ECS can hold a deployment that is not at a wait.
  await recordEvent(
    deps,
    deploymentId,
    'EXTERNAL_CONTROL_IGNORED',
    action.why
      ? `${action.action} by ${action.by} ignored: ${action.why}`
      : `${action.action} by ${action.by} is not supported by ${progress.controller}: only abort and promote act on it`,
    { by: action.by },
  );
  return false;
}

export const createPollExternalHandler = (deps: Deps) =>
  lambdaHandler(deps.logger, (event: unknown) => pollExternal(deps, event));
