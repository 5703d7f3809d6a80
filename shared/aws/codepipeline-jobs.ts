/** The PipelineJobs port on CodePipeline: PutJobSuccessResult / PutJobFailureResult. */
import {
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
  type CodePipelineClient,
  type ExecutionDetails,
} from '@aws-sdk/client-codepipeline';
import { GreenlightError } from '../domain/errors';
import {
  bounded,
  JOB_LIMITS,
  type JobExecutionDetails,
  type JobFailure,
  type JobSuccess,
  type PipelineJobs,
  type ReportOutcome,
} from '../ports/pipeline-jobs';
import { errorCode, normaliseAwsError } from './errors';

/** A job result CodePipeline did not take, for a reason other than throttling. */
export class CodePipelineJobsError extends GreenlightError {}

/**
 * The job already has a result (InvalidJobStateException) or is gone (JobNotFoundException): a
 * retried invocation of a job reported before. Retrying the call cannot change that.
 */
const JOB_CLOSED_CODES = new Set(['InvalidJobStateException', 'JobNotFoundException']);

export class CodePipelineJobs implements PipelineJobs {
  private readonly client: CodePipelineClient;

  constructor(options: { client: CodePipelineClient }) {
    this.client = options.client;
  }

  async succeed(jobId: string, success: JobSuccess): Promise<ReportOutcome> {
    if (
      success.continuationToken !== undefined &&
      success.continuationToken.length > JOB_LIMITS.continuationToken
    ) {
      // Cutting a token would corrupt it: this is a bug of the caller, not something to hide.
      throw new CodePipelineJobsError(
        `continuationToken: ${success.continuationToken.length} characters, CodePipeline takes at most ${JOB_LIMITS.continuationToken}`,
      );
    }
    try {
      await this.client.send(
        new PutJobSuccessResultCommand({
          jobId,
          ...(success.continuationToken !== undefined
            ? { continuationToken: success.continuationToken }
            : {}),
          ...(success.executionDetails
            ? { executionDetails: executionDetails(success.executionDetails) }
            : {}),
        }),
      );
      return 'reported';
    } catch (error) {
      return this.closedOrThrow(error, `PutJobSuccessResult ${jobId}`);
    }
  }

  async fail(jobId: string, failure: JobFailure): Promise<ReportOutcome> {
    try {
      await this.client.send(
        new PutJobFailureResultCommand({
          jobId,
          failureDetails: {
            type: failure.type,
            message: bounded(failure.message, JOB_LIMITS.failureMessage),
            ...(failure.externalExecutionId
              ? { externalExecutionId: bounded(failure.externalExecutionId, JOB_LIMITS.externalExecutionId) }
              : {}),
          },
        }),
      );
      return 'reported';
    } catch (error) {
      return this.closedOrThrow(error, `PutJobFailureResult ${jobId}`);
    }
  }

  private closedOrThrow(error: unknown, operation: string): ReportOutcome {
    if (JOB_CLOSED_CODES.has(errorCode(error))) return 'job-closed';
    throw normaliseAwsError(
      error,
      operation,
      (message, cause) => new CodePipelineJobsError(message, { cause }),
    );
  }
}

function executionDetails(details: JobExecutionDetails): ExecutionDetails {
  return {
    ...(details.summary !== undefined ? { summary: bounded(details.summary, JOB_LIMITS.summary) } : {}),
    ...(details.percentComplete !== undefined
      ? { percentComplete: Math.max(0, Math.min(100, Math.round(details.percentComplete))) }
      : {}),
    ...(details.externalExecutionId
      ? { externalExecutionId: bounded(details.externalExecutionId, JOB_LIMITS.externalExecutionId) }
      : {}),
  };
}
