/** Promoted / RolledBack / Rejected / RollbackFailed: record the outcome, notify, release the lock. */
import { z } from 'zod';
import {
  DeploymentIdSchema,
  lockKey,
  type DeploymentError,
  type Outcome,
} from '../../shared/domain/deployment';
import { SpecSchema } from '../../shared/domain/spec';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import { recordEvent, type DeployDeps } from './context';

const StepsErrorSchema = z.object({ Error: z.string(), Cause: z.unknown().optional() }).loose();

const InputSchema = z.object({
  outcome: z.enum(['PROMOTED', 'ROLLED_BACK', 'REJECTED', 'ROLLBACK_FAILED']),
  /** The whole workflow document: its shape depends on where the workflow ended. */
  state: z.record(z.string(), z.unknown()),
});

export interface FinishResult {
  deploymentId: string | null;
  status: Outcome;
  recorded: boolean;
  lockReleased: boolean;
}

type Deps = Pick<DeployDeps, 'store' | 'notifier' | 'clock' | 'logger'>;

/** The human message inside a Step Functions error: Lambda wraps it as JSON with errorMessage. */
export function describeStepError(
  error: z.infer<typeof StepsErrorSchema> | undefined,
): DeploymentError | undefined {
  if (!error) return undefined;
  let cause = typeof error.Cause === 'string' ? error.Cause : JSON.stringify(error.Cause ?? '');
  try {
    const parsed: unknown = JSON.parse(cause);
    if (parsed && typeof parsed === 'object' && 'errorMessage' in parsed) cause = String(parsed.errorMessage);
    else if (Array.isArray(parsed)) cause = parsed.map(String).join('; ');
  } catch {
    // Not JSON: the cause is already a message.
  }
  return { error: error.Error, cause };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

export async function finish(deps: Deps, event: unknown): Promise<FinishResult> {
  const { outcome, state } = parseInput(InputSchema, event);
  const now = deps.clock.now();
  const deployment = z
    .object({
      id: DeploymentIdSchema,
      image: z.string(),
      liveColor: z.string(),
      newColor: z.string(),
      startedAt: z.number(),
    })
    .loose()
    .safeParse(state.deployment);
  const id = deployment.success ? deployment.data.id : DeploymentIdSchema.safeParse(state.deploymentId).data;
  // A rejected request may carry an invalid spec: use what can be read of it.
  const parsedSpec = SpecSchema.safeParse(state.spec);
  const rawSpec = (state.spec ?? {}) as Record<string, unknown>;
  const service = parsedSpec.success ? parsedSpec.data.service : str(rawSpec.service);
  const cluster = parsedSpec.success ? parsedSpec.data.cluster : str(rawSpec.cluster);
  const image = deployment.success ? deployment.data.image : (str(state.image) ?? 'unknown');
  const errorSource = outcome === 'ROLLBACK_FAILED' ? (state.rollbackError ?? state.error) : state.error;
  const error = describeStepError(StepsErrorSchema.safeParse(errorSource).data);
  const retireError = describeStepError(StepsErrorSchema.safeParse(state.retireError).data);
  const warning = retireError
    ? `the old color could not be scaled down (${retireError.error}: ${retireError.cause}); scale it to 0 by hand`
    : undefined;
  const step = z
    .object({ phase: z.enum(['step', 'bake']), index: z.number(), weight: z.number() })
    .loose()
    .safeParse(state.step);
  const lastStep = step.success
    ? { phase: step.data.phase, index: step.data.index, weight: step.data.weight }
    : undefined;

  let recorded = false;
  if (id && service && cluster) {
    const existing = await deps.store.getDeployment(id);
    if (!existing) {
      await deps.store.createDeployment({
        id,
        service,
        cluster,
        image,
        requestedBy: str(state.requestedBy) ?? 'unknown',
        status: outcome,
        startedAt: now,
      });
    }
    await deps.store.updateDeployment(id, {
      status: outcome,
      endedAt: now,
      ...(error ? { error } : {}),
      ...(lastStep ? { lastStep } : {}),
      ...(warning ? { warning } : {}),
    });
    recorded = true;
    await recordEvent(deps, id, outcome, error ? `${outcome}: ${error.error}: ${error.cause}` : outcome);
  } else {
    deps.logger.error('deployment outcome cannot be recorded: no valid deployment id, service or cluster', {
      outcome,
      error,
    });
  }

  const startedAt = deployment.success ? deployment.data.startedAt : now;
  const subject = `greenlight: ${service ?? 'unknown service'} ${outcome.replace('_', ' ').toLowerCase()} (${image})`;
  const lines = [
    `Deployment ${id ?? '(no id)'} of ${service ?? 'an unknown service'} on cluster ${cluster ?? 'unknown'}: ${outcome}.`,
    `Image: ${image}`,
    ...(deployment.success
      ? [`Live color before: ${deployment.data.liveColor}; new color: ${deployment.data.newColor}`]
      : []),
    `Duration: ${Math.round((now - startedAt) / 1000)} s`,
    ...(error ? [`Cause: ${error.error}: ${error.cause}`] : []),
    ...(lastStep && outcome !== 'PROMOTED'
      ? [
          `Ended in: ${lastStep.phase === 'bake' ? 'the bake' : `step ${lastStep.index + 1}`} (${lastStep.weight} % on the new color)`,
        ]
      : []),
    ...(warning ? [`WARNING: ${warning}`] : []),
    ...(outcome === 'ROLLBACK_FAILED'
      ? ['ACTION NEEDED: traffic may not be on a healthy color; the service stays locked.']
      : []),
  ];
  await deps.notifier.notify({
    // A retried Finish re-sends the same id, so the notification is delivered once where possible.
    id: `${id ?? 'unknown'}/${outcome}`,
    subject,
    message: lines.join('\n'),
    attributes: {
      event: 'deployment',
      outcome,
      service: service ?? 'unknown',
      cluster: cluster ?? 'unknown',
    },
    detail: {
      deploymentId: id ?? null,
      outcome,
      service,
      cluster,
      image,
      error: error ?? null,
      warning: warning ?? null,
      lastStep: lastStep ?? null,
      durationMs: now - startedAt,
    },
  });

  // After a failed rollback the lock stays: no new deployment may start on a half-changed service.
  let lockReleased = false;
  if (id && service && cluster && outcome !== 'ROLLBACK_FAILED') {
    lockReleased = await deps.store.releaseLock(lockKey({ service, cluster }), id);
  }
  return { deploymentId: id ?? null, status: outcome, recorded, lockReleased };
}

export const createFinishHandler = (deps: Deps) =>
  lambdaHandler(deps.logger, (event: unknown) => finish(deps, event));
