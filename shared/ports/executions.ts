/** Whether a deployment's workflow execution is still running (Step Functions on AWS). */
export type ExecutionStatus =
  'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE' | 'NOT_FOUND';

export interface Executions {
  /** The status of the execution named after the deployment id. */
  status(deploymentId: string): Promise<ExecutionStatus>;
}
