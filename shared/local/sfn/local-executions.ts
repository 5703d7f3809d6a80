/**
 * Simulated Step Functions executions for the rehearsal: one run per name, like StartExecution.
 * `run` executes the state machine locally (see Rehearsal); the outcome rules are Step Functions'.
 */
import type { ExecutionStatus, Executions, StartOutcome } from '../../ports/executions';

interface LocalExecution {
  input: string;
  status: ExecutionStatus;
  done: Promise<unknown>;
}

export class LocalExecutions implements Executions {
  private readonly runs = new Map<string, LocalExecution>();

  /** `run` resolves when the execution succeeds and rejects (or resolves false) when it fails. */
  constructor(private readonly run: (deploymentId: string, input: unknown) => Promise<boolean>) {}

  start(deploymentId: string, input: string): Promise<StartOutcome> {
    const existing = this.runs.get(deploymentId);
    if (existing) {
      if (existing.input !== input) return Promise.resolve('different-input');
      return Promise.resolve(existing.status === 'RUNNING' ? 'started' : 'same-input');
    }
    const execution: LocalExecution = { input, status: 'RUNNING', done: Promise.resolve() };
    execution.done = this.run(deploymentId, JSON.parse(input)).then(
      (succeeded) => {
        execution.status = succeeded ? 'SUCCEEDED' : 'FAILED';
      },
      () => {
        execution.status = 'FAILED';
      },
    );
    this.runs.set(deploymentId, execution);
    return Promise.resolve('started');
  }

  status(deploymentId: string): Promise<ExecutionStatus> {
    return Promise.resolve(this.runs.get(deploymentId)?.status ?? 'NOT_FOUND');
  }

  /** Resolves when the execution has ended (immediately when there is none). */
  async settled(deploymentId: string): Promise<void> {
    await this.runs.get(deploymentId)?.done;
  }
}
