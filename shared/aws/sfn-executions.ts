/** The Executions port on Step Functions: executions are named after their deployment id. */
import { DescribeExecutionCommand, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { GreenlightError } from '../domain/errors';
import type { ExecutionStatus, Executions, StartOutcome } from '../ports/executions';
import { errorCode, normaliseAwsError } from './errors';

export class SfnExecutionsError extends GreenlightError {}

export class SfnExecutions implements Executions {
  private readonly client: SFNClient;
  private readonly stateMachineArn: string;
  private readonly executionArnPrefix: string;

  constructor(options: { client: SFNClient; stateMachineArn: string }) {
    this.client = options.client;
    this.stateMachineArn = options.stateMachineArn;
    // arn:aws:states:R:A:stateMachine:NAME → arn:aws:states:R:A:execution:NAME:
    this.executionArnPrefix = `${options.stateMachineArn.replace(':stateMachine:', ':execution:')}:`;
  }

  async status(deploymentId: string): Promise<ExecutionStatus> {
    try {
      const output = await this.client.send(
        new DescribeExecutionCommand({ executionArn: `${this.executionArnPrefix}${deploymentId}` }),
      );
      return (output.status ?? 'NOT_FOUND') as ExecutionStatus;
    } catch (error) {
      if (errorCode(error) === 'ExecutionDoesNotExist') return 'NOT_FOUND';
      throw normaliseAwsError(
        error,
        `DescribeExecution ${deploymentId}`,
        (message, cause) => new SfnExecutionsError(message, { cause }),
      );
    }
  }

  /**
   * StartExecution is idempotent on its own for a running execution with the same name and input;
   * for an ended one, or another input, it answers ExecutionAlreadyExists and the stored input
   * tells which case it is.
   */
  async start(deploymentId: string, input: string): Promise<StartOutcome> {
    try {
      await this.client.send(
        new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name: deploymentId, input }),
      );
      return 'started';
    } catch (error) {
      if (errorCode(error) !== 'ExecutionAlreadyExists') {
        throw normaliseAwsError(
          error,
          `StartExecution ${deploymentId}`,
          (message, cause) => new SfnExecutionsError(message, { cause }),
        );
      }
    }
    try {
      const existing = await this.client.send(
        new DescribeExecutionCommand({ executionArn: `${this.executionArnPrefix}${deploymentId}` }),
      );
      return existing.input === input ? 'same-input' : 'different-input';
    } catch (error) {
      throw normaliseAwsError(
        error,
        `DescribeExecution ${deploymentId}`,
        (message, cause) => new SfnExecutionsError(message, { cause }),
      );
    }
  }
}
