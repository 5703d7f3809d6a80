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
import { InvalidInputError, IdempotencyConflictError, ThrottlingError } from '../../shared/domain/errors';
import { SpecSchema } from '../../shared/domain/spec';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler, type Logger } from '../../shared/lambda';
import { ArtifactReadError, type ArtifactReadFailure, type Artifacts } from '../../shared/ports/artifacts';
import type { Clock } from '../../shared/ports/clock';
import type { ExecutionStatus, Executions } from '../../shared/ports/executions';
import type { JobFailureType, PipelineJobs, ReportOutcome } from '../../shared/ports/pipeline-jobs';
import type { Store } from '../../shared/ports/store';
import { startDeployment } from '../deploy/start';
import {
  fileRef,
  parseJobEvent,
  parseUserParameters,
  type FileRef,
  type PipelineJob,
  type UserParameters,
} from './job-event';
import { extractFile, imageFromDefinitions, parseJsonFile } from './job-files';
import { decodeContinuation, encodeContinuation, jobResultFor, type JobResult } from './job-result';

export interface PipelineLimits {
  /** Largest artifact (zip) downloaded. */
  maxArtifactBytes: number;
  /** Largest file inflated from an artifact (the spec, the image definitions). */
  maxFileBytes: number;
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

/** Handles one invocation of the action. */
export async function handlePipelineJob(deps: PipelineJobDeps, event: unknown): Promise<PipelineJobResult> {
  const parsed = parseJobEvent(event);
  if (!parsed.ok) {
    if (!parsed.jobId) {
      // Without a job id there is nothing to answer, and a retry would read the same event.
      deps.logger.error('CodePipeline event without a usable job id ignored', { problem: parsed.message });
      return { outcome: 'unanswerable' };
    }
    return fail(deps, parsed.jobId, 'ConfigurationError', parsed.message);
  }
  const { job } = parsed;
  return job.continuationToken === undefined
    ? startJob(deps, job)
    : checkJob(deps, job, job.continuationToken);
}

async function startJob(deps: PipelineJobDeps, job: PipelineJob): Promise<PipelineJobResult> {
  const limits = { ...DEFAULT_PIPELINE_LIMITS, ...deps.limits };
  let request: Record<string, unknown>;
  try {
    request = await deployRequestOf(deps, job, limits);
  } catch (error) {
    if (error instanceof InvalidInputError) return fail(deps, job.id, 'ConfigurationError', error.message);
    if (error instanceof ArtifactReadError)
      return fail(deps, job.id, failureTypeOf(error.reason), error.message);
    throw error;
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
      summary: `deployment ${deploymentId} started: ${String(request.image)}`,
      percentComplete: 0,
      externalExecutionId: deploymentId,
    },
  });
  return logged(deps, { outcome: 'started', jobId: job.id, deploymentId, report });
}

async function checkJob(deps: PipelineJobDeps, job: PipelineJob, token: string): Promise<PipelineJobResult> {
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
      summary: result.summary,
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

// ---- The deploy request from UserParameters and artifacts ------------------------------------------

async function deployRequestOf(
  deps: PipelineJobDeps,
  job: PipelineJob,
  limits: PipelineLimits,
): Promise<Record<string, unknown>> {
  const params = parseUserParameters(job.userParameters);
  const readJson = artifactFileReader(deps, job, params, limits);

  const specSource = params.specFile ? fileRef(params.specFile, 'UserParameters.specFile') : undefined;
  const specInput = specSource ? await readJson(specSource) : params.spec;
  let containerName: string;
  try {
    containerName = parseInput(SpecSchema, specInput, 'spec').container.name;
  } catch (error) {
    if (error instanceof InvalidInputError && specSource)
      throw new InvalidInputError(`${describeRef(specSource)}: ${error.message}`, error.issues);
    throw error;
  }

  let image = params.image;
  if (image === undefined) {
    const source = fileRef(params.imageDefinitions!, 'UserParameters.imageDefinitions');
    image = imageFromDefinitions(await readJson(source), containerName, describeRef(source));
  }
  // The raw spec, as written: startDeployment validates it again and keys idempotency on it.
  return { image, spec: specInput, ...(params.force !== undefined ? { force: params.force } : {}) };
}

/** `UserParameters.specFile (BuildOutput::greenlight.json)`. */
function describeRef(ref: FileRef): string {
  return `${ref.field} (${ref.ref})`;
}

/** Reads JSON files of the job's input artifacts, downloading each artifact once. */
function artifactFileReader(
  deps: PipelineJobDeps,
  job: PipelineJob,
  params: UserParameters,
  limits: PipelineLimits,
): (ref: FileRef) => Promise<unknown> {
  const downloads = new Map<string, Promise<Uint8Array>>();
  return async (ref) => {
    const where = describeRef(ref);
    const name = ref.artifact ?? params.artifact;
    const artifact =
      name === undefined ? job.inputArtifacts[0] : job.inputArtifacts.find((a) => a.name === name);
    if (!artifact) {
      const available = job.inputArtifacts.map((a) => `"${a.name}"`).join(', ');
      if (name === undefined)
        throw new InvalidInputError(`${where}: the action has no input artifact to read it from; add one`);
      const field = ref.artifact !== undefined ? where : 'UserParameters.artifact';
      throw new InvalidInputError(
        `${field}: no input artifact named "${name}" (the action's input artifacts: ${available || 'none'})`,
      );
    }
    if (!artifact.location) throw new InvalidInputError(artifact.problem ?? `${artifact.field}: no location`);
    if (!job.credentials)
      throw new InvalidInputError(
        'data.artifactCredentials: expected {accessKeyId, secretAccessKey, sessionToken} to read the input artifacts',
      );
    let download = downloads.get(artifact.name);
    if (!download) {
      download = deps.artifacts.read(artifact.location, job.credentials, limits.maxArtifactBytes);
      downloads.set(artifact.name, download);
    }
    const zip = await download;
    const label = `${where} in input artifact "${artifact.name}"`;
    return parseJsonFile(extractFile(zip, ref.path, limits.maxFileBytes, label), label);
  };
}

// ---- Answers ------------------------------------------------------------------------------------------

function failureTypeOf(reason: ArtifactReadFailure): JobFailureType {
  switch (reason) {
    case 'access-denied':
      return 'PermissionError';
    case 'not-found':
      return 'RevisionUnavailable';
    case 'too-large':
      return 'ConfigurationError';
    case 'unavailable':
      return 'JobFailed';
  }
}

async function fail(
  deps: PipelineJobDeps,
  jobId: string,
  type: JobFailureType,
  message: string,
  deploymentId?: string,
): Promise<PipelineJobResult> {
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
