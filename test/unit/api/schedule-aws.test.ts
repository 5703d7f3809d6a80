import { EventBridgeSchedules } from '../../../shared/aws/eventbridge-scheduler';
import { scheduleApiDeps } from '../../../functions/api/schedule-aws';

const ENV = {
  TABLE_NAME: 'greenlight-test',
  SCHEDULE_GROUP: 'greenlight-test',
  SCHEDULED_TASK_STATE_MACHINE_ARN:
    'arn:aws:states:eu-west-1:123456789012:stateMachine:greenlight-test-scheduled-task',
  SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/greenlight-test-SchedulerRole',
  SCHEDULES_DLQ_ARN: 'arn:aws:sqs:eu-west-1:123456789012:greenlight-test-schedules-dlq',
  AWS_REGION: 'eu-west-1',
};

describe('the schedule routes’ production adapters', () => {
  it('targets the group, machine, role and queue of the environment', () => {
    const deps = scheduleApiDeps(ENV);
    expect(deps.schedules).toBeInstanceOf(EventBridgeSchedules);
    const input = (deps.schedules as EventBridgeSchedules).scheduleInput({
      name: 'x',
      expression: 'rate(1 hour)',
      timezone: 'UTC',
      enabled: true,
      startingDeadlineSeconds: 600,
    } as never);
    expect(input).toMatchObject({
      GroupName: 'greenlight-test',
      Target: {
        Arn: ENV.SCHEDULED_TASK_STATE_MACHINE_ARN,
        RoleArn: ENV.SCHEDULER_ROLE_ARN,
        DeadLetterConfig: { Arn: ENV.SCHEDULES_DLQ_ARN },
      },
    });
  });

  it('refuses to start without a variable, naming it', () => {
    const { SCHEDULER_ROLE_ARN: _role, ...rest } = ENV;
    expect(() => scheduleApiDeps(rest)).toThrow('env.SCHEDULER_ROLE_ARN');
    expect(() => scheduleApiDeps({ ...ENV, SCHEDULES_DLQ_ARN: 'queue' })).toThrow(
      'env.SCHEDULES_DLQ_ARN: expected an SQS queue ARN',
    );
  });
});
