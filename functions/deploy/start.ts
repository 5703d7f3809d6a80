/**
 * Starting a deployment from any trigger (HTTP API, CodePipeline, CLI). The request is validated
 * before anything starts, and the deployment id is the workflow's execution name: a retried
 * request with the same idempotency key maps to the same id, and Step Functions never runs two
 * executions with one name, so a retry returns the deployment already started.
 */
import { createHash, randomBytes } from 'node:crypto';
import { DeployRequestSchema } from '../../shared/domain/deployment';
import { IdempotencyConflictError, InvalidInputError } from '../../shared/domain/errors';
import type { MetricsModel, TimingIssue } from '../../shared/domain/gate';
import { parseInput } from '../../shared/domain/validation';
import type { Logger } from '../../shared/lambda';
import type { Clock } from '../../shared/ports/clock';
import type { Executions } from '../../shared/ports/executions';

/** A deploy request as triggers send it: the deployment id is optional (derived when absent). */
export const StartRequestSchema = DeployRequestSchema.partial({ deploymentId: true });

export interface StartDeps {
  executions: Pick<Executions, 'start'>;
  clock: Clock;
  logger: Pick<Logger, 'info'>;
  /**
   * What the deployment's metric source cannot serve (on AWS, cloudWatchModelIssues: the
   * rehearsal's lag-free model is refused here, before an execution starts). Absent: no check.
   */
  metricsModelIssues?: MetricsModelCheck;
}

/** Why a spec's `metrics` model cannot describe the data a deployment will be judged on. */
export type MetricsModelCheck = (model: MetricsModel) => TimingIssue[];

/** Throws an InvalidInputError naming `spec.metrics.…` when `check` refuses the spec's model. */
export function refuseMetricsModel(check: MetricsModelCheck | undefined, model: MetricsModel): void {
  const issues = (check?.(model) ?? []).map((issue) => ({
    path: ['spec', ...issue.path].join('.'),
    message: issue.message,
  }));
  if (issues.length > 0) {
    throw new InvalidInputError(issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
  }
}

export interface StartOptions {
  /** The same key (per service) always means the same deployment: HTTP `Idempotency-Key`, pipeline job id. */
  idempotencyKey?: string;
  /** Who asked, as the trigger authenticated them (overrides the request's own `requestedBy`). */
  requestedBy?: string;
}

export interface StartedDeployment {
  deploymentId: string;
  /** `started` now, or `existing`: this request (same key, same content) had started it before. */
  outcome: 'started' | 'existing';
}

/**
 * Validates `input` (an InvalidInputError names every bad field) and starts its deployment once.
 * Throws IdempotencyConflictError when the key or id was used for a different request.
 */
export async function startDeployment(
  deps: StartDeps,
  input: unknown,
  options: StartOptions = {},
): Promise<StartedDeployment> {
  const request = parseInput(StartRequestSchema, input);
  refuseMetricsModel(deps.metricsModelIssues, request.spec.metrics);
  const key = options.idempotencyKey;
  if (key !== undefined && !/^[\x21-\x7e]{1,256}$/.test(key)) {
    throw new InvalidInputError('idempotencyKey: expected 1–256 printable ASCII characters without spaces');
  }
  const deploymentId =
    request.deploymentId ?? deploymentIdFor(request.spec.service, options.idempotencyKey, deps.clock.now());
  const body = {
    ...(input as Record<string, unknown>),
    deploymentId,
    ...(options.requestedBy ? { requestedBy: options.requestedBy } : {}),
  };
  const outcome = await deps.executions.start(deploymentId, canonicalJson(body));
  if (outcome === 'different-input') {
    const what = options.idempotencyKey ? `idempotency key "${options.idempotencyKey}"` : 'deploymentId';
    throw new IdempotencyConflictError(
      `${what} already started deployment ${deploymentId} with a different request; use a new key for a new deployment`,
    );
  }
  deps.logger.info('deployment start requested', { deploymentId, outcome, service: request.spec.service });
  return { deploymentId, outcome: outcome === 'started' ? 'started' : 'existing' };
}

/**
 * `SERVICE-HASH` for a keyed request (stable across retries), else `SERVICE-TIME-RANDOM`. Within
 * the execution-name limits: 80 characters of letters, digits, - and _.
 */
export function deploymentIdFor(service: string, idempotencyKey: string | undefined, now: number): string {
  const prefix = service.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40);
  if (idempotencyKey !== undefined) {
    const hash = createHash('sha256').update(idempotencyKey).digest('base64url').slice(0, 24);
    return `${prefix}-${hash}`;
  }
  const time = new Date(now)
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14);
  return `${prefix}-${time}-${randomBytes(4).toString('hex')}`;
}

/** JSON with object keys sorted, so one request always serialises to the same execution input. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}
