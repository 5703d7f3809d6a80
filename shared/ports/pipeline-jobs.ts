/** Reporting the result of a CodePipeline job (a Lambda invoke action) back to the pipeline. */

/** CodePipeline's failure types (FailureDetails.type). */
export type JobFailureType =
  | 'JobFailed'
  | 'ConfigurationError'
  | 'PermissionError'
  | 'RevisionOutOfSync'
  | 'RevisionUnavailable'
  | 'SystemUnavailable';

/** What the pipeline console shows for a running or finished action (ExecutionDetails). */
export interface JobExecutionDetails {
  summary?: string;
  /** 0–100. */
  percentComplete?: number;
  /** The id people can look the run up by elsewhere: the deployment id. */
  externalExecutionId?: string;
}

export interface JobSuccess {
  /** Present: the action is still running and CodePipeline invokes the function again with it. */
  continuationToken?: string;
  executionDetails?: JobExecutionDetails;
}

export interface JobFailure {
  type: JobFailureType;
  message: string;
  externalExecutionId?: string;
}

/**
 * `reported`, or `job-closed`: the job already has a result or no longer exists (a retried
 * invocation of a job reported before), so there is nothing left to report.
 */
export type ReportOutcome = 'reported' | 'job-closed';

export interface PipelineJobs {
  succeed(jobId: string, success: JobSuccess): Promise<ReportOutcome>;
  fail(jobId: string, failure: JobFailure): Promise<ReportOutcome>;
}

/** What CodePipeline accepts: ExecutionDetails.summary, FailureDetails.message, ids and the token. */
export const JOB_LIMITS = {
  summary: 2048,
  failureMessage: 5000,
  externalExecutionId: 1500,
  continuationToken: 2048,
} as const;

/** `text` cut to `max` characters (CodePipeline refuses longer), marked as cut; never empty. */
export function bounded(text: string, max: number): string {
  const value = text.trim() === '' ? '(no detail)' : text;
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}
