/**
 * The CodePipeline trigger: a Lambda invoke action that starts a blue/green deployment and reports
 * its outcome as the action's result.
 *
 * First invocation: the deploy request is built from UserParameters and the input artifacts, the
 * deployment is started with the job id as its idempotency key (a retried invocation of the same
 * job finds the same deployment and never starts a second), and the job answers "in progress"
 * with a continuation token. CodePipeline then invokes the function again with that token —
 * "periodically", as its documentation puts it, without a documented interval — until an answer
 * without a token. A job that gets no answer for 20 minutes times out, and a Lambda invoke action
 * fails after 24 hours in all, so deployments of a pipeline must finish within 24 hours.
 *
 * Every path answers the job: bad input fails it (ConfigurationError, naming the field), a
 * finished deployment succeeds or fails it with the record's reason. Only a failure to deliver
 * the answer (or throttling while starting) throws, so that Lambda retries the invocation.
 */
import { isTransient, messageOf } from '../../shared/aws/errors';
import { scrubCredentials } from '../../shared/domain/credential-scrub';
import { InvalidInputError, IdempotencyConflictError, ThrottlingError } from '../../shared/domain/errors';
import { lambdaHandler, type Logger } from '../../shared/lambda';
import { ArtifactReadError, type Artifacts } from '../../shared/ports/artifacts';
import type { Clock } from '../../shared/ports/clock';
import type { ExecutionStatus, Executions } from '../../shared/ports/executions';
import type { JobFailureType, PipelineJobs, ReportOutcome } from '../../shared/ports/pipeline-jobs';
import type { Store } from '../../shared/ports/store';
import { startDeployment, type MetricsModelCheck } from '../deploy/start';
import { deployRequestOf, failureTypeOf, type ArtifactLimits } from './job-artifacts';
import { parseJobEvent, type PipelineJob } from './job-event';
import { decodeContinuation, encodeContinuation, jobResultFor, type JobResult } from './job-result';

export interface PipelineLimits extends ArtifactLimits {
  /** A deployment with no record and no running execution this long after its start fails the job. */
  vanishedAfterMs: number;
}

export const DEFAULT_PIPELINE_LIMITS: PipelineLimits = {
  maxArtifactBytes: 64 * 1024 * 1024,
  maxFileBytes: 1024 * 1024,
  vanishedAfterMs: 10 * 60_000,
};

export interface PipelineJobDeps {
  executions: Executions;
  store: Pick<Store, 'getDeployment'>;
  jobs: PipelineJobs;
  artifacts: Artifacts;
  clock: Clock;
  logger: Logger;
  limits?: Partial<PipelineLimits>;
  /** What the metric source cannot serve (on AWS, cloudWatchModelIssues); absent: no check. */
  metricsModelIssues?: MetricsModelCheck;
}

export type PipelineJobOutcome =
  /** The event had no job id: there is no job to answer (logged). */
  | 'unanswerable'
  /** The deployment was started (or found started by an earlier attempt); the job continues. */
  | 'started'
  | 'running'
  | 'succeeded'
  | 'failed';

/** What an invocation did; free of anything secret, so it can be returned and logged. */
export interface PipelineJobResult {
  outcome: PipelineJobOutcome;
  jobId?: string;
  deploymentId?: string;
  failure?: { type: JobFailureType; message: string };
  /** `job-closed`: the job already had a result (a retried invocation). */
  report?: ReportOutcome;
}

/** The deps of one invocation, with the scrubber of everything it reports or logs. */
interface JobDeps extends PipelineJobDeps {
  /** The text with AWS access key IDs and this job's own credentials replaced. */
  scrub: (text: string) => string;
}

/** Handles one invocation of the action. */
export async function handlePipelineJob(deps: PipelineJobDeps, event: unknown): Promise<PipelineJobResult> {
  const secrets = credentialStrings(event);
  const scrub = (text: string) => scrubCredentials(text, secrets);
  const jobDeps: JobDeps = { ...deps, scrub };
  try {
    const parsed = parseJobEvent(event);
    if (!parsed.ok) {
      if (!parsed.jobId) {
        // Without a job id there is nothing to answer, and a retry would read the same event.
        deps.logger.error('CodePipeline event without a usable job id ignored', {
          problem: scrub(parsed.message),
        });
        return { outcome: 'unanswerable' };
      }
      return await fail(jobDeps, parsed.jobId, 'ConfigurationError', parsed.message);
    }
    const { job } = parsed;
    return await (job.continuationToken === undefined
      ? startJob(jobDeps, job)
      : checkJob(jobDeps, job, job.continuationToken));
  } catch (error) {
    // Thrown for Lambda to retry, and written to the logs by the runtime: scrubbed like the rest.
    if (error instanceof Error) {
      error.message = scrub(error.message);
      if (error.stack) error.stack = scrub(error.stack);
    }
    throw error;
  }
}

/**
 * Every string under `data.artifactCredentials`, however malformed the event: the job's own
 * secrets, scrubbed from any text an error might have copied them into.
 */
function credentialStrings(event: unknown): string[] {
  const job = (event as Record<string, unknown> | null)?.['CodePipeline.job'] as
    { data?: { artifactCredentials?: unknown } } | undefined;
  const credentials = job && typeof job === 'object' ? job.data?.artifactCredentials : undefined;
  if (!credentials || typeof credentials !== 'object') return [];
  return Object.values(credentials).filter((v): v is string => typeof v === 'string');
}

async function startJob(deps: JobDeps, job: PipelineJob): Promise<PipelineJobResult> {
  const limits = { ...DEFAULT_PIPELINE_LIMITS, ...deps.limits };
  let request: Record<string, unknown>;
  try {
    request = await deployRequestOf(deps, job, limits);
  } catch (error) {
    if (error instanceof InvalidInputError) return fail(deps, job.id, 'ConfigurationError', error.message);
    if (error instanceof ArtifactReadError)
      return fail(deps, job.id, failureTypeOf(error.reason), error.message);
    // Nothing here is worth a retry by Lambda (which would read the same event): a thrown error
    // would leave the job without an answer until its 20-minute timeout.
    return fail(deps, job.id, 'JobFailed', `the deploy request could not be read: ${messageOf(error)}`);
  }
  let deploymentId: string;
  try {
    ({ deploymentId } = await startDeployment(deps, request, {
      idempotencyKey: job.id,
      requestedBy: `CodePipeline job ${job.id}`,
    }));
  } catch (error) {
    if (error instanceof InvalidInputError) return fail(deps, job.id, 'ConfigurationError', error.message);
    if (error instanceof IdempotencyConflictError) return fail(deps, job.id, 'JobFailed', error.message);
    // Retried by Lambda; the same job id maps to the same deployment, so nothing starts twice.
    if (error instanceof ThrottlingError) throw error;
    return fail(deps, job.id, 'JobFailed', `the deployment could not be started: ${messageOf(error)}`);
  }
  const report = await deps.jobs.succeed(job.id, {
    continuationToken: encodeContinuation({ deploymentId, startedAt: deps.clock.now() }),
    executionDetails: {
      summary: deps.scrub(`deployment ${deploymentId} started: ${String(request.image)}`),
      percentComplete: 0,
      externalExecutionId: deploymentId,
    },
  });
  return logged(deps, { outcome: 'started', jobId: job.id, deploymentId, report });
}

async function checkJob(deps: JobDeps, job: PipelineJob, token: string): Promise<PipelineJobResult> {
  const limits = { ...DEFAULT_PIPELINE_LIMITS, ...deps.limits };
  let continuation;
  try {
    continuation = decodeContinuation(token);
  } catch (error) {
    if (error instanceof InvalidInputError) return fail(deps, job.id, 'ConfigurationError', error.message);
    throw error;
  }
  const { deploymentId } = continuation;
  let result: JobResult;
  try {
    const record = await deps.store.getDeployment(deploymentId);
    // Before Prepare writes the record, the execution tells a starting deployment from a lost one.
    const execution: ExecutionStatus | undefined = record
      ? undefined
      : await deps.executions.status(deploymentId);
    result = jobResultFor({
      deploymentId,
      record,
      ...(execution ? { execution } : {}),
      waitedMs: deps.clock.now() - continuation.startedAt,
      vanishedAfterMs: limits.vanishedAfterMs,
    });
  } catch (error) {
    if (!isTransient(error)) {
      return fail(
        deps,
        job.id,
        'JobFailed',
        `deployment ${deploymentId} could not be read: ${messageOf(error)}`,
        deploymentId,
      );
    }
    // The deployment runs on regardless: answer "still running" and look again next time.
    result = {
      kind: 'running',
      summary: `deployment ${deploymentId}: status not readable just now (${messageOf(error)})`,
    };
  }
  if (result.kind === 'failed') return fail(deps, job.id, 'JobFailed', result.message, deploymentId);
  const report = await deps.jobs.succeed(job.id, {
    ...(result.kind === 'running' ? { continuationToken: token } : {}),
    executionDetails: {
      summary: deps.scrub(result.summary),
      ...(result.kind === 'succeeded'
        ? { percentComplete: 100 }
        : result.percentComplete !== undefined
          ? { percentComplete: result.percentComplete }
          : {}),
      externalExecutionId: deploymentId,
    },
  });
  return logged(deps, { outcome: result.kind, jobId: job.id, deploymentId, report });
}

// ---- Answers ------------------------------------------------------------------------------------------

async function fail(
  deps: JobDeps,
  jobId: string,
  type: JobFailureType,
  unscrubbed: string,
  deploymentId?: string,
): Promise<PipelineJobResult> {
  // An AWS error text can quote the access key ID the request was signed with (the job's own).
  const message = deps.scrub(unscrubbed);
  const report = await deps.jobs.fail(jobId, {
    type,
    message,
    ...(deploymentId ? { externalExecutionId: deploymentId } : {}),
  });
  return logged(deps, {
    outcome: 'failed',
    jobId,
    ...(deploymentId ? { deploymentId } : {}),
    failure: { type, message },
    report,
  });
}

function logged(deps: PipelineJobDeps, result: PipelineJobResult): PipelineJobResult {
  if (result.report === 'job-closed') {
    deps.logger.warn('pipeline job already had a result: nothing reported', { ...result });
  } else if (result.outcome === 'failed') {
    deps.logger.warn('pipeline job failed', { ...result });
  } else {
    deps.logger.info('pipeline job answered', { ...result });
  }
  return result;
}

/** The Lambda handler. The event is never logged: it carries the job's artifact credentials. */
export const createPipelineJobHandler = (deps: PipelineJobDeps) =>
  lambdaHandler(deps.logger, (event: unknown) => handlePipelineJob(deps, event), { logEvent: false });
