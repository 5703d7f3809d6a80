/** The Executions port on Step Functions: executions are named after their deployment id. */
import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { GreenlightError } from '../domain/errors';
import type { ExecutionStatus, Executions } from '../ports/executions';
import { errorCode, normaliseAwsError } from './errors';

export class SfnExecutionsError extends GreenlightError {}

export class SfnExecutions implements Executions {
  private readonly client: SFNClient;
  private readonly executionArnPrefix: string;

  constructor(options: { client: SFNClient; stateMachineArn: string }) {
    this.client = options.client;
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
}
