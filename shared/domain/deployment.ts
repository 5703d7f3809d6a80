/** A deployment: the request that starts it, the context that flows through the workflow, its record. */
import { z } from 'zod';
import type { Color } from './colors';
import type { Delivery } from './delivery';
import type { ObservationPoint } from './observation-log';
import type { DeploymentScaling } from './scaling';
import { IAM_ARN_MAX_LENGTH } from './request-limits';
import { SpecSchema, type DeploymentSpec } from './spec';

/** Deployment ids double as Step Functions execution names (1–80 of [A-Za-z0-9-_]). */
export const DeploymentIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,80}$/, 'expected 1–80 letters, digits, - or _');

/**
 * Who asks: the IAM caller API Gateway authenticated (any ARN IAM can issue, user paths included),
 * or a trigger's own name. The same bound wherever a requester is validated, so a caller whose
 * deployment starts can also control it.
 */
export const RequesterSchema = z.string().min(1).max(IAM_ARN_MAX_LENGTH);

export const DeployRequestSchema = z
  .object({
    deploymentId: DeploymentIdSchema,
    /** Container image for `spec.container.name`, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2`. */
    image: z
      .string()
      .min(1)
      .max(1024)
      .regex(/^[^\s]+$/, 'expected an image reference without spaces'),
    spec: SpecSchema,
    /** Start even though some of the spec's alarms are in ALARM already. */
    force: z.boolean().default(false),
    /** Who or what asked for the deployment (user, pipeline execution). */
    requestedBy: z.string().max(IAM_ARN_MAX_LENGTH).default('unknown'),
  })
  .strict();
export type DeployRequest = z.output<typeof DeployRequestSchema>;
export type DeployRequestInput = z.input<typeof DeployRequestSchema>;

/** What Prepare established, carried by the workflow to every later step. */
export interface DeploymentContext {
  id: string;
  image: string;
  requestedBy: string;
  liveColor: Color;
  newColor: Color;
  /** Task definition the new color runs. */
  taskDefinition: string;
  /** Task count the new color is brought up to: the live color's desired count. */
  desiredCount: number;
  startedAt: number;
  /** Each color's scalable target before the deployment suspended it; absent from executions started before this existed. */
  scaling?: DeploymentScaling;
}

/**
 * UNOBSERVED ends only a hook-only record (an ECS or CodeDeploy deployment Greenlight did not
 * start): its hook stopped being called and no verdict of it ended the deployment, so how it
 * ended is known to the controller only (reconcile, hooks/hook-only-expiry.ts).
 */
export type DeploymentStatus =
  'IN_PROGRESS' | 'PROMOTED' | 'ROLLED_BACK' | 'REJECTED' | 'ROLLBACK_FAILED' | 'UNOBSERVED';
export type Outcome = Exclude<DeploymentStatus, 'IN_PROGRESS'>;

export interface DeploymentError {
  error: string;
  cause: string;
}

export interface DeploymentRecord {
  id: string;
  service: string;
  cluster: string;
  image: string;
  requestedBy: string;
  status: DeploymentStatus;
  liveColor?: Color;
  newColor?: Color;
  taskDefinition?: string;
  startedAt: number;
  endedAt?: number;
  /** Each color's scalable target as Prepare found it: what the end (or a repair) restores. */
  scaling?: DeploymentScaling;
  /** The validated spec, kept so an unfinished deployment can be repaired without its execution. */
  spec?: DeploymentSpec;
  /** Weight on the new color when the deployment ended. */
  lastWeight?: number;
  /** The plan step the deployment was in when it ended. */
  lastStep?: { phase: 'step' | 'bake'; index: number; weight: number };
  error?: DeploymentError;
  /** Something that went wrong without changing the outcome (e.g. the old color not scaled down). */
  warning?: string;
  /** The plan step in progress (the bake counts as the step after the last). */
  currentStep?: { phase: 'step' | 'bake'; index: number; weight: number };
  /** The latest manual command (abort, promote, pause, resume). */
  control?: { action: ControlAction; by: string; at: number };
  /** Indexes of the plan steps a person has approved. */
  approvedSteps?: number[];
  /** One compact point per gate evaluation, bounded (observation-log.ts, history-budget.ts). */
  observations?: ObservationPoint[];
  /**
   * The external controller's deployment: kept as soon as Greenlight starts it (controller
   * codedeploy | ecs), or written by Greenlight's lifecycle hook (hooks/hook-history.ts) with
   * `hookOnly` when Greenlight did not start it (no lock, no execution).
   */
  external?: {
    controller: 'ecs' | 'codedeploy';
    deploymentId: string;
    hookOnly?: boolean;
    /** Driven: the `at` of the last control request acted on (kept before acting, so a retried poll acts once). */
    controlAt?: number;
    /** Driven: when it was aborted, and why. */
    abortedAt?: number;
    abortReason?: string;
    /** Driven: when the deadline ended its termination wait instead of aborting it. */
    deadlinePassedAt?: number;
  };
  /**
   * A hook-only record's end notification: PENDING from the write that ends the record until a
   * send succeeds (SENT) or reconcile gives up (GAVE_UP). Greenlight's own deployments notify
   * from Finish, whose state machine retries.
   */
  endNotice?: Delivery;
}

export const CONTROL_ACTIONS = ['approve', 'promote', 'abort', 'pause', 'resume'] as const;
export type ManualAction = (typeof CONTROL_ACTIONS)[number];
/** The commands kept as the record's `control` (approvals are kept per step instead). */
export type ControlAction = Exclude<ManualAction, 'approve'>;

/** What people have asked of a running deployment, as the gate's decision needs it. */
export interface ManualControl {
  abortedBy?: string;
  promotedBy?: string;
  pausedBy?: string;
  /** The current step needs an approval that has not been given yet. */
  awaitingApproval?: boolean;
}

/** The manual control in force for step `stepIndex` (of phase `phase`) of the record's deployment. */
export function manualControl(
  record: Pick<DeploymentRecord, 'control' | 'approvedSteps'> | null,
  step: { index: number; phase: 'step' | 'bake'; approval?: boolean },
): ManualControl {
  const control = record?.control;
  return {
    ...(control?.action === 'abort' ? { abortedBy: control.by } : {}),
    ...(control?.action === 'promote' ? { promotedBy: control.by } : {}),
    ...(control?.action === 'pause' ? { pausedBy: control.by } : {}),
    ...(step.phase === 'step' && step.approval && !(record?.approvedSteps ?? []).includes(step.index)
      ? { awaitingApproval: true }
      : {}),
  };
}

export interface DeploymentEvent {
  at: number;
  type: string;
  message: string;
  data?: Record<string, unknown>;
}

/** A cluster's name, whether the spec names it or gives its ARN (`arn:aws:ecs:R:A:cluster/NAME`). */
export function clusterName(cluster: string): string {
  const arn = /^arn:aws[a-z-]*:ecs:[^:]*:[^:]*:cluster\/(.+)$/.exec(cluster);
  return arn ? arn[1]! : cluster;
}

/**
 * Whether Finish releases the service's lock after `outcome`. After a failed rollback the lock
 * stays: no new deployment may start on a half-changed service until a person has looked at it.
 */
export function releasesLock(outcome: Outcome): boolean {
  return outcome !== 'ROLLBACK_FAILED';
}

/**
 * The per-service lock key: one deployment per ECS cluster and service at a time. The cluster is
 * reduced to its name so that two specs naming it differently (name, ARN) share one lock.
 */
export function lockKey(spec: Pick<DeploymentSpec, 'cluster' | 'service'>): string {
  return `${clusterName(spec.cluster)}/${spec.service}`;
}
