import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { SfnExecutions } from '../../../shared/aws/sfn-executions';
import { ThrottlingError } from '../../../shared/domain/errors';

const sfn = mockClient(SFNClient);
const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:greenlight-prod-blue-green';

describe('SfnExecutions', () => {
  beforeEach(() => sfn.reset());
  const executions = () =>
    new SfnExecutions({ client: new SFNClient({ region: 'eu-west-1' }), stateMachineArn: STATE_MACHINE });

  it('describes the execution named after the deployment', async () => {
    sfn.on(DescribeExecutionCommand).resolves({ status: 'ABORTED' });

    const status = await executions().status('d-123');

    expect(status).toBe('ABORTED');
    expect(sfn).toHaveReceivedCommandWith(DescribeExecutionCommand, {
      executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:greenlight-prod-blue-green:d-123',
    });
  });

  it('reports an execution that does not exist as NOT_FOUND', async () => {
    sfn
      .on(DescribeExecutionCommand)
      .rejects(Object.assign(new Error('no such execution'), { name: 'ExecutionDoesNotExist' }));

    expect(await executions().status('d-404')).toBe('NOT_FOUND');
  });

  it('maps throttling to ThrottlingError', async () => {
    sfn
      .on(DescribeExecutionCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    await expect(executions().status('d-1')).rejects.toBeInstanceOf(ThrottlingError);
  });
});

describe('SfnExecutions.start', () => {
  beforeEach(() => sfn.reset());
  const executions = () =>
    new SfnExecutions({ client: new SFNClient({ region: 'eu-west-1' }), stateMachineArn: STATE_MACHINE });
  const alreadyExists = Object.assign(new Error('Execution Already Exists'), {
    name: 'ExecutionAlreadyExists',
  });

  it('starts the execution named after the deployment with the input as given', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: new Date() });

    expect(await executions().start('web-1', '{"a":1}')).toBe('started');
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: STATE_MACHINE,
      name: 'web-1',
      input: '{"a":1}',
    });
  });

  it('tells an existing execution with the same input from one with another input', async () => {
    sfn.on(StartExecutionCommand).rejects(alreadyExists);
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', input: '{"a":1}' });

    expect(await executions().start('web-1', '{"a":1}')).toBe('same-input');
    expect(await executions().start('web-1', '{"a":2}')).toBe('different-input');
    expect(sfn).toHaveReceivedCommandWith(DescribeExecutionCommand, {
      executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:greenlight-prod-blue-green:web-1',
    });
  });

  it('maps throttling on start to ThrottlingError', async () => {
    sfn
      .on(StartExecutionCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    await expect(executions().start('web-1', '{}')).rejects.toBeInstanceOf(ThrottlingError);
  });
});
