/** Deployment workflow executions (Step Functions on AWS), named after their deployment id. */
export type ExecutionStatus =
  'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE' | 'NOT_FOUND';

/**
 * What starting an execution did: `started` (or found it running with this very input, which
 * Step Functions answers the same way), `same-input` (one with this name and input exists, maybe
 * ended), `different-input` (the name was used for another input: nothing started).
 */
export type StartOutcome = 'started' | 'same-input' | 'different-input';

export interface Executions {
  /** The status of the execution named after the deployment id. */
  status(deploymentId: string): Promise<ExecutionStatus>;
  /** Starts the execution `deploymentId` with `input` (JSON) unless one by that name exists. */
  start(deploymentId: string, input: string): Promise<StartOutcome>;
}
