/**
 * What StartExternal, PollExternal and AbortExternal share: the workflow document of a deployment
 * another controller shifts (spec.controller codedeploy | ecs), and the controller a spec names.
 * Greenlight starts it, follows it, passes control requests on, and ends it through the same
 * finish states as its own deployments.
 */
import { z } from 'zod';
import { controllerTarget, type ControllerTarget } from '../../shared/domain/controllers/controller-target';
import { DeploymentIdSchema } from '../../shared/domain/deployment';
import { ServiceStateError } from '../../shared/domain/errors';
import { EXECUTION_TIMEOUT_SECONDS } from '../../shared/domain/history-budget';
import { maxDurationSeconds } from '../../shared/domain/plan';
import { SpecSchema, type DeploymentSpec } from '../../shared/domain/spec';
import type { DeploymentController, ExternalState, ExternalWaits } from '../../shared/ports/controller';
import { TERMINAL_STATES } from '../../shared/ports/controller';
import type { DeployDeps } from './context';

/** Prepare's context for an external controller: no colors, the revision it registered. */
export const ExternalDeploymentContextSchema = z.object({
  id: DeploymentIdSchema,
  image: z.string().min(1),
  requestedBy: z.string(),
  taskDefinition: z.string().min(1),
  startedAt: z.number(),
  controller: z.enum(['codedeploy', 'ecs']),
});
export type ExternalDeploymentContext = z.infer<typeof ExternalDeploymentContextSchema>;

const EXTERNAL_STATES = [
  'in-progress',
  'waiting',
  'rolling-back',
  'succeeded',
  'rolled-back',
  'stopped',
  'failed',
] as const satisfies readonly ExternalState[];

/** A Step Functions-shaped error: what Finish reads at `$.error`. */
const OutcomeErrorSchema = z.object({ Error: z.string(), Cause: z.string() });

/** The external deployment as the workflow carries it between polls (`$.external`). */
export const ExternalProgressSchema = z.object({
  controller: z.enum(['codedeploy', 'ecs']),
  /** The controller's id; null when AbortExternal found nothing started. */
  deploymentId: z.string().min(1).nullable(),
  /** `not-started`: a start failed before the controller took it (nothing changed). */
  state: z.enum([...EXTERNAL_STATES, 'not-started']),
  controllerStatus: z.string(),
  reason: z.string().optional(),
  pollSeconds: z.number().int().min(1),
  /**
   * Past this (epoch ms) a running deployment is aborted; one the controller only keeps for its
   * termination wait is let past that wait instead.
   */
  deadline: z.number(),
  aborted: z.boolean(),
  abortedAt: z.number().optional(),
  /** Why it was aborted: a control request, the deadline, a step's error. */
  abortReason: z.string().optional(),
  /** When the deadline let it past its termination wait (not aborted): followed to its end from then. */
  deadlinePassedAt: z.number().optional(),
  /** Ending the termination wait at the deadline failed: the next poll tries again. */
  waitEndFailed: z.boolean().optional(),
  /** The `at` of the last control request acted on: each request acts once. */
  controlAt: z.number().optional(),
  /** For an end other than success: the cause Finish records. */
  error: OutcomeErrorSchema.optional(),
});
export type ExternalProgress = z.infer<typeof ExternalProgressSchema>;

export const ExternalStepSchema = z.object({
  deployment: ExternalDeploymentContextSchema,
  spec: SpecSchema,
});

/** After an abort, how long the controller may take to report its rollback before it counts as failed. */
export const ABORT_GRACE_MS = 30 * 60 * 1000;

/** Step Functions history events one poll round writes (Wait, Task, Choice: entered, exited, scheduled...). */
const EVENTS_PER_POLL = 9;
/** The share of an execution's 25,000 history events the polls of one deployment may take. */
const POLL_EVENT_BUDGET = 15_000;

/** The blue/green execution's TimeoutSeconds (statemachines/blue-green.asl.json): nothing runs past it. */
export { EXECUTION_TIMEOUT_SECONDS };
/** What the execution still needs after the polls' end: Finish, its retries, the record and the notice. */
const FINISH_MARGIN_SECONDS = 600;

/**
 * Seconds between polls: the gate's interval (the controller's hook does the judging, so a poll
 * only follows it), stretched so polling for `durationSeconds` and through an abort's grace stays
 * within POLL_EVENT_BUDGET: an execution that ran out of history events would end without Finish.
 */
export function externalPollSeconds(
  spec: DeploymentSpec,
  durationSeconds: number = maxDurationSeconds(spec),
): number {
  const longest = durationSeconds + ABORT_GRACE_MS / 1000;
  return Math.max(spec.gate.intervalSeconds, Math.ceil((longest * EVENTS_PER_POLL) / POLL_EVENT_BUDGET));
}

/** The deadline of an external deployment and the poll interval that reaches it within budget. */
export interface ExternalTiming {
  deadline: number;
  pollSeconds: number;
  /** The controller's own waits the deadline counts (seconds; 0 when it adds none). */
  waitSeconds: number;
  /** The waits would have taken the deadline past what the execution's timeout leaves room for. */
  capped: boolean;
}

/**
 * The plan's longest duration plus the controller's own waits (a CodeDeploy group's ready and
 * termination waits, up to 2 days each), so a deployment those waits hold is not aborted while it
 * does what its group says. Never later than the execution's timeout allows for an abort's grace
 * and Finish: a termination wait cut by that is ended at the deadline (PollExternal), not rolled back.
 */
export function externalTiming(
  spec: DeploymentSpec,
  startedAt: number,
  waits: ExternalWaits | undefined,
): ExternalTiming {
  const planned = maxDurationSeconds(spec);
  const waitSeconds = Math.max(0, waits?.readySeconds ?? 0) + Math.max(0, waits?.terminationSeconds ?? 0);
  const latest = EXECUTION_TIMEOUT_SECONDS - ABORT_GRACE_MS / 1000 - FINISH_MARGIN_SECONDS;
  const wanted = planned + waitSeconds;
  // The plan alone is never shortened: the cap only limits what the waits add.
  const seconds = waitSeconds > 0 ? Math.max(planned, Math.min(wanted, latest)) : planned;
  return {
    deadline: startedAt + seconds * 1000,
    pollSeconds: externalPollSeconds(spec, seconds),
    waitSeconds,
    capped: seconds < wanted,
  };
}

export function isTerminal(state: ExternalProgress['state']): boolean {
  return state === 'not-started' || (TERMINAL_STATES as readonly string[]).includes(state);
}

/** The spec's controller target and the adapter that drives it; a ServiceStateError when none is wired. */
export function controllerFor(
  deps: Pick<DeployDeps, 'controllers'>,
  spec: DeploymentSpec,
  /** The Greenlight deployment being started (its id travels in ECS's hookDetails). */
  deploymentId?: string,
): { target: ControllerTarget; controller: DeploymentController<unknown> } {
  const target = controllerTarget(spec, deploymentId);
  if (!target)
    throw new ServiceStateError('spec.controller: greenlight deployments have no external controller');
  const controller = deps.controllers?.[target.controller] as DeploymentController<unknown> | undefined;
  if (!controller) {
    throw new ServiceStateError(`spec.controller: no ${target.controller} controller is configured here`);
  }
  return { target, controller };
}

/** The error Finish records for an end that is not a success. */
export function outcomeError(
  state: ExternalProgress['state'],
  controllerStatus: string,
  reason: string | undefined,
  abortReason: string | undefined,
): { Error: string; Cause: string } {
  const name =
    state === 'failed'
      ? 'ExternalDeploymentFailed'
      : state === 'not-started'
        ? 'ExternalDeploymentNotStarted'
        : state === 'stopped'
          ? 'ExternalDeploymentStopped'
          : 'ExternalDeploymentRolledBack';
  const parts = [abortReason, `controller reports ${controllerStatus}${reason ? `: ${reason}` : ''}`].filter(
    Boolean,
  );
  return { Error: name, Cause: parts.join('; ') };
}
