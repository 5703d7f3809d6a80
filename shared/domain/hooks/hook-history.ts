/**
 * What the lifecycle hooks (ECS built-in, CodeDeploy) write into Greenlight's history: which
 * deployment record a hook invocation belongs to, the record of a deployment Greenlight did not
 * start (external, hook-only: ECS or CodeDeploy runs it, so it takes no lock), the history events
 * of the hook's verdicts and of a bounded number of its intermediate readings, and the outcome
 * notification of a hook-only deployment. Pure.
 *
 * Every event carries a key that names it exactly (deployment, stage, watch, evaluation, answer):
 * the store writes each key once, so a Lambda retry or a repeated invocation adds nothing.
 */
import { DeploymentIdSchema, type DeploymentEvent, type DeploymentRecord, type Outcome } from '../deployment';
import { pendingDelivery } from '../delivery';
import { buildOutcomeMessage } from '../deployment-message';
import type { NotificationMessage } from '../alerts/message';

export type HookController = 'ecs' | 'codedeploy';

/** What a record says of the external deployment a hook watched. */
export interface ExternalDeployment {
  controller: HookController;
  /** The ECS service deployment ARN, or the CodeDeploy deployment id. */
  deploymentId: string;
  /** True when Greenlight did not start it: the record exists only through the hook. */
  hookOnly: boolean;
}

/** The record a hook invocation writes onto. */
export interface HookRecordRef {
  id: string;
  /** Greenlight started the deployment: its driver owns the record's status and the notification. */
  greenlight: boolean;
}

const DESCRIPTION = /^Greenlight deployment ([A-Za-z0-9_-]{1,80}):/;

/** The Greenlight deployment id a CodeDeploy deployment's description names, or null. */
export function greenlightIdOfDescription(description: string | null | undefined): string | null {
  if (typeof description !== 'string') return null;
  const match = DESCRIPTION.exec(description);
  return match ? match[1]! : null;
}

/** The Greenlight deployment id in an ECS hook's hookDetails (`greenlight.deploymentId`), or null. */
export function greenlightIdOfHookDetails(hookDetails: Record<string, unknown>): string | null {
  const spec = hookDetails.greenlight;
  if (typeof spec !== 'object' || spec === null) return null;
  const id = (spec as Record<string, unknown>).deploymentId;
  return DeploymentIdSchema.safeParse(id).success ? (id as string) : null;
}

/**
 * The id of a hook-only record: `<controller>-<external id>`, reduced to a deployment id's
 * alphabet (an ECS service deployment ARN's last segment is its id).
 */
export function hookOnlyRecordId(controller: HookController, externalId: string): string {
  const tail = controller === 'ecs' ? (externalId.split('/').pop() ?? externalId) : externalId;
  const safe = tail.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 80 - controller.length - 1);
  return `${controller}-${safe || 'unknown'}`;
}

/** Which record a hook writes onto: Greenlight's own when it named one, else the hook-only one. */
export function hookRecordRef(
  controller: HookController,
  externalId: string,
  greenlightId: string | null,
): HookRecordRef {
  return greenlightId
    ? { id: greenlightId, greenlight: true }
    : { id: hookOnlyRecordId(controller, externalId), greenlight: false };
}

/** A hook-only deployment's record, IN_PROGRESS from its first hook invocation. */
export function hookOnlyRecord(input: {
  controller: HookController;
  externalId: string;
  service: string;
  cluster: string;
  /** What runs: the target service revision (ECS), or what CodeDeploy names (task set). */
  image: string;
  now: number;
}): DeploymentRecord {
  return {
    id: hookOnlyRecordId(input.controller, input.externalId),
    service: input.service,
    cluster: input.cluster,
    image: input.image,
    requestedBy: input.controller === 'ecs' ? 'ecs (lifecycle hook)' : 'codedeploy (lifecycle hook)',
    status: 'IN_PROGRESS',
    startedAt: input.now,
    external: { controller: input.controller, deploymentId: input.externalId, hookOnly: true },
  };
}

export type HookAnswer = 'SUCCEEDED' | 'FAILED' | 'IN_PROGRESS' | 'ROLLBACK';

/** One hook answer (or intermediate reading) to record. */
export interface HookVerdict {
  controller: HookController;
  stage: string;
  answer: HookAnswer;
  /** The gate's reasons (with numbers), or why the stage was answered without judging. */
  reasons: string[];
  /** The watch's evaluation count (1 on its first); 0 when the stage was not judged. */
  evaluation: number;
  /** Names the watch within the deployment (stage, revision, share); empty when not judged. */
  watchKey: string;
  /** The new revision's share of the judged traffic. */
  newPercent?: number;
  /** This stage's answer ends the deployment when it passes (the last judged stage). */
  finalStage: boolean;
}

/** At most this many IN_PROGRESS readings of one watch are recorded (evaluations 1, 2, 4, 8, ...). */
export const MAX_READINGS_PER_WATCH = 12;

/** Whether an IN_PROGRESS reading is kept: powers of two, so a watch of n evaluations keeps ≤ log2 n + 1. */
export function keepsReading(evaluation: number): boolean {
  if (!Number.isInteger(evaluation) || evaluation < 1) return false;
  return (evaluation & (evaluation - 1)) === 0 && evaluation <= 2 ** (MAX_READINGS_PER_WATCH - 1);
}

/** The key under which the store writes `verdict` once per record. */
export function verdictKey(verdict: HookVerdict): string {
  const answer = verdict.answer === 'IN_PROGRESS' ? `reading-${verdict.evaluation}` : verdict.answer;
  return `${verdict.controller}:${verdict.stage}:${verdict.watchKey}:${answer}`.slice(0, 400);
}

const VERB: Record<HookAnswer, string> = {
  SUCCEEDED: 'passed',
  FAILED: 'failed',
  IN_PROGRESS: 'still watching',
  ROLLBACK: 'rollback seen',
};

const CONTROLLER_NAME: Record<HookController, string> = { ecs: 'ECS', codedeploy: 'CodeDeploy' };

/** The history event of a verdict or reading, or null for a reading not kept. */
export function hookEvent(verdict: HookVerdict, now: number): (DeploymentEvent & { key: string }) | null {
  if (verdict.answer === 'IN_PROGRESS' && !keepsReading(verdict.evaluation)) return null;
  const reasons = verdict.reasons.slice(0, 10).map((r) => r.slice(0, 300));
  const share = verdict.newPercent !== undefined ? ` at ${verdict.newPercent} %` : '';
  const evaluation = verdict.evaluation > 0 ? `, evaluation ${verdict.evaluation}` : '';
  const why = reasons.length > 0 ? `: ${reasons.join('; ')}` : '';
  return {
    key: verdictKey(verdict),
    at: now,
    type: verdict.answer === 'IN_PROGRESS' ? 'hook-reading' : 'hook-verdict',
    message: `${CONTROLLER_NAME[verdict.controller]} hook ${verdict.stage}${share}: ${VERB[verdict.answer]}${evaluation}${why}`,
    data: {
      controller: verdict.controller,
      stage: verdict.stage,
      answer: verdict.answer,
      evaluation: verdict.evaluation,
      reasons,
      ...(verdict.newPercent !== undefined ? { newPercent: verdict.newPercent } : {}),
    },
  };
}

/** What a verdict does to a hook-only record: the outcome it ends with, or null (still running). */
export function hookOnlyOutcome(verdict: HookVerdict): Outcome | null {
  if (verdict.answer === 'FAILED' || verdict.answer === 'ROLLBACK') return 'ROLLED_BACK';
  if (verdict.answer === 'SUCCEEDED' && verdict.finalStage) return 'PROMOTED';
  return null;
}

/** What a hook-only deployment's end notification says of its end. */
export type HookOnlyEnd = Pick<DeploymentRecord, 'status' | 'endedAt' | 'error' | 'lastWeight'>;

/** The record patch of a hook-only deployment ending with `outcome`, its notification PENDING. */
export function hookOnlyEnd(
  verdict: HookVerdict,
  outcome: Outcome,
  now: number,
): HookOnlyEnd & Pick<DeploymentRecord, 'endNotice'> {
  const controller = CONTROLLER_NAME[verdict.controller];
  return {
    status: outcome,
    endedAt: now,
    endNotice: pendingDelivery(),
    ...(verdict.newPercent !== undefined ? { lastWeight: verdict.newPercent } : {}),
    ...(outcome === 'ROLLED_BACK'
      ? {
          error:
            verdict.answer === 'ROLLBACK'
              ? { error: 'RolledBack', cause: `${controller} rolled the deployment back (${verdict.stage})` }
              : {
                  error: 'GateFailed',
                  cause:
                    `${controller} hook ${verdict.stage}: ${verdict.reasons.slice(0, 5).join('; ') || 'failed'}`.slice(
                      0,
                      1000,
                    ),
                },
        }
      : {}),
  };
}

/** The notification of a hook-only deployment's outcome, in the words of Greenlight's own. */
export function hookOnlyMessage(
  record: DeploymentRecord,
  end: HookOnlyEnd,
  now: number,
): NotificationMessage {
  const message = buildOutcomeMessage(
    {
      outcome: end.status as Outcome,
      id: record.id,
      service: record.service,
      cluster: record.cluster,
      image: record.image,
      requestedBy: record.requestedBy,
      startedAt: record.startedAt,
      ...(end.error ? { error: end.error } : {}),
    },
    now,
  );
  return {
    ...message,
    attributes: { ...message.attributes, controller: record.external?.controller ?? 'unknown' },
    detail: { ...message.detail, external: record.external ?? null },
  };
}
