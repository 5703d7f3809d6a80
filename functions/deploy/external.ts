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
import { maxDurationSeconds } from '../../shared/domain/plan';
import { SpecSchema, type DeploymentSpec } from '../../shared/domain/spec';
import type { DeploymentController, ExternalState } from '../../shared/ports/controller';
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
  /** Past this (epoch ms) a running deployment is aborted. */
  deadline: z.number(),
  aborted: z.boolean(),
  abortedAt: z.number().optional(),
  /** Why it was aborted: a control request, the deadline, a step's error. */
  abortReason: z.string().optional(),
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

/**
 * Seconds between polls: the gate's interval (the controller's hook does the judging, so a poll
 * only follows it), stretched so polling to the deadline and through an abort's grace stays
 * within POLL_EVENT_BUDGET: an execution that ran out of history events would end without Finish.
 */
export function externalPollSeconds(spec: DeploymentSpec): number {
  const longest = maxDurationSeconds(spec) + ABORT_GRACE_MS / 1000;
  return Math.max(spec.gate.intervalSeconds, Math.ceil((longest * EVENTS_PER_POLL) / POLL_EVENT_BUDGET));
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
