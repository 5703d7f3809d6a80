import 'aws-sdk-client-mock-jest';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
  type GetScheduleOutput,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import {
  EventBridgeSchedulerError,
  EventBridgeSchedules,
  MAX_RETRY_ATTEMPTS,
} from '../../../shared/aws/eventbridge-scheduler';
import { ThrottlingError } from '../../../shared/domain/errors';
import { parseScheduleSpec } from '../../../shared/domain/schedules/schedule-spec';
import { ScheduleExistsError, ScheduleNotFoundError } from '../../../shared/ports/schedules';

const scheduler = mockClient(SchedulerClient);
const MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:greenlight-dev-scheduled-task';
const ROLE = 'arn:aws:iam::123456789012:role/greenlight-dev-SchedulerRole-abc';
const DLQ = 'arn:aws:sqs:eu-west-1:123456789012:greenlight-dev-schedules-dlq';
const GROUP = 'greenlight-dev';
const schedules = new EventBridgeSchedules({
  client: new SchedulerClient({ region: 'eu-west-1' }),
  groupName: GROUP,
  stateMachineArn: MACHINE,
  roleArn: ROLE,
  deadLetterArn: DLQ,
});

const spec = parseScheduleSpec({
  name: 'nightly-report',
  description: 'the nightly report',
  expression: 'cron(30 2 * * ? *)',
  timezone: 'Europe/Paris',
  cluster: 'jobs',
  taskDefinition: 'gl-report',
  launchType: 'FARGATE',
  network: { subnets: ['subnet-0a1b2c3d'] },
  startingDeadlineSeconds: 900,
});

/** The exact CreateSchedule / UpdateSchedule input the spec above must produce. */
const EXPECTED = {
  Name: 'nightly-report',
  GroupName: GROUP,
  Description: 'the nightly report',
  ScheduleExpression: 'cron(30 2 * * ? *)',
  ScheduleExpressionTimezone: 'Europe/Paris',
  State: 'ENABLED',
  FlexibleTimeWindow: { Mode: 'OFF' },
  ActionAfterCompletion: 'NONE',
  Target: {
    Arn: MACHINE,
    RoleArn: ROLE,
    Input: JSON.stringify({ spec, trigger: 'schedule', scheduledTime: '<aws.scheduler.scheduled-time>' }),
    RetryPolicy: { MaximumEventAgeInSeconds: 900, MaximumRetryAttempts: 185 },
    DeadLetterConfig: { Arn: DLQ },
  },
};

/** GetSchedule's answer for a schedule Greenlight wrote from `spec`. */
function written(overrides: Partial<GetScheduleOutput> = {}): GetScheduleOutput {
  return {
    ...(EXPECTED as GetScheduleOutput),
    Arn: `arn:aws:scheduler:eu-west-1:123456789012:schedule/${GROUP}/nightly-report`,
    LastModificationDate: new Date('2027-03-01T10:00:00Z'),
    ...overrides,
  };
}

beforeEach(() => scheduler.reset());

describe('EventBridgeSchedules', () => {
  it('creates a schedule with the zone, no flexible window, the retry policy, the DLQ and the state machine target', async () => {
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    await schedules.create(spec);
    expect(scheduler).toHaveReceivedCommandTimes(CreateScheduleCommand, 1);
    const input = scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input;
    const { ClientToken: _token, ...sent } = input;
    expect(sent).toEqual(EXPECTED);
    expect(MAX_RETRY_ATTEMPTS).toBe(185);
  });

  it('passes the input BeginRun reads: the spec, trigger schedule and the scheduled-time placeholder', async () => {
    scheduler.on(CreateScheduleCommand).resolves({});
    await schedules.create(spec);
    const input = JSON.parse(scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input.Target!.Input!);
    expect(input.trigger).toBe('schedule');
    expect(input.scheduledTime).toBe('<aws.scheduler.scheduled-time>');
    expect(parseScheduleSpec(input.spec)).toEqual(spec);
  });

  it('creates a suspended spec DISABLED', async () => {
    scheduler.on(CreateScheduleCommand).resolves({});
    await schedules.create({ ...spec, enabled: false });
    expect(scheduler).toHaveReceivedCommandWith(CreateScheduleCommand, { State: 'DISABLED' });
  });

  it('refuses to create over an existing schedule', async () => {
    scheduler
      .on(CreateScheduleCommand)
      .rejects(new ConflictException({ message: 'exists', Message: 'exists', $metadata: {} }));
    await expect(schedules.create(spec)).rejects.toBeInstanceOf(ScheduleExistsError);
  });

  it('updates with every setting (UpdateSchedule replaces the whole schedule)', async () => {
    scheduler.on(UpdateScheduleCommand).resolves({});
    await schedules.update({ ...spec, expression: 'rate(1 hour)' });
    const { ClientToken: _token, ...sent } = scheduler.commandCalls(UpdateScheduleCommand)[0]!.args[0].input;
    const changed = { ...spec, expression: 'rate(1 hour)' };
    expect(sent).toEqual({
      ...EXPECTED,
      ScheduleExpression: 'rate(1 hour)',
      Target: {
        ...EXPECTED.Target,
        Input: JSON.stringify({ ...JSON.parse(EXPECTED.Target.Input), spec: changed }),
      },
    });
  });

  it('says when the schedule to update is gone', async () => {
    scheduler
      .on(UpdateScheduleCommand)
      .rejects(new ResourceNotFoundException({ message: 'gone', Message: 'gone', $metadata: {} }));
    await expect(schedules.update(spec)).rejects.toBeInstanceOf(ScheduleNotFoundError);
  });

  it('reads a schedule back: its spec from the target input, its state, no drift', async () => {
    scheduler.on(GetScheduleCommand, { Name: 'nightly-report', GroupName: GROUP }).resolves(written());
    await expect(schedules.get('nightly-report')).resolves.toEqual({
      name: 'nightly-report',
      state: 'ENABLED',
      spec,
      drift: [],
      lastModified: Date.parse('2027-03-01T10:00:00Z'),
    });
  });

  it('names the settings changed by hand (disabled in the console, another role) as drift', async () => {
    scheduler
      .on(GetScheduleCommand)
      .resolves(
        written({ State: 'DISABLED', Target: { ...EXPECTED.Target, RoleArn: 'arn:aws:iam::1:role/x' } }),
      );
    const deployed = await schedules.get('nightly-report');
    expect(deployed?.state).toBe('DISABLED');
    expect(deployed?.drift).toEqual(['state', 'target.roleArn']);
  });

  it('reports a target input that is not a spec, naming the field', async () => {
    scheduler
      .on(GetScheduleCommand)
      .resolves(written({ Target: { ...EXPECTED.Target, Input: '{"spec":{"name":"nightly-report"}}' } }));
    const deployed = await schedules.get('nightly-report');
    expect(deployed?.spec).toBeNull();
    expect(deployed?.problem).toMatch(/^target\.input\.spec\.expression: /);
    scheduler.on(GetScheduleCommand).resolves(written({ Target: { ...EXPECTED.Target, Input: 'not json' } }));
    expect((await schedules.get('nightly-report'))?.problem).toMatch(/^target\.input: not JSON/);
  });

  it('answers null for a schedule that does not exist', async () => {
    scheduler
      .on(GetScheduleCommand)
      .rejects(new ResourceNotFoundException({ message: 'none', Message: 'none', $metadata: {} }));
    await expect(schedules.get('nope')).resolves.toBeNull();
  });

  it('lists every page of the group and reads each schedule, sorted by name', async () => {
    scheduler
      .on(ListSchedulesCommand, { GroupName: GROUP })
      .resolvesOnce({ Schedules: [{ Name: 'nightly-report' }], NextToken: 't1' })
      .resolvesOnce({ Schedules: [{ Name: 'b-gone' }] });
    scheduler.on(GetScheduleCommand, { Name: 'nightly-report' }).resolves(written());
    scheduler.on(GetScheduleCommand, { Name: 'b-gone' }).rejects(
      new ResourceNotFoundException({
        message: 'deleted meanwhile',
        Message: 'deleted meanwhile',
        $metadata: {},
      }),
    );
    const listed = await schedules.list();
    expect(listed.map((s) => s.name)).toEqual(['nightly-report']);
    expect(scheduler.commandCalls(ListSchedulesCommand).map((c) => c.args[0].input)).toEqual([
      { GroupName: GROUP },
      { GroupName: GROUP, NextToken: 't1' },
    ]);
    expect(scheduler).toHaveReceivedCommandWith(GetScheduleCommand, { Name: 'b-gone', GroupName: GROUP });
  });

  it('deletes in the group, false when already gone', async () => {
    scheduler
      .on(DeleteScheduleCommand)
      .resolvesOnce({})
      .rejectsOnce(new ResourceNotFoundException({ message: 'none', Message: 'none', $metadata: {} }));
    await expect(schedules.delete('nightly-report')).resolves.toBe(true);
    await expect(schedules.delete('nightly-report')).resolves.toBe(false);
    expect(scheduler.commandCalls(DeleteScheduleCommand).map((c) => c.args[0].input)).toEqual([
      { Name: 'nightly-report', GroupName: GROUP },
      { Name: 'nightly-report', GroupName: GROUP },
    ]);
  });

  it('turns throttling into ThrottlingError and other failures into EventBridgeSchedulerError', async () => {
    scheduler
      .on(ListSchedulesCommand)
      .rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    await expect(schedules.list()).rejects.toBeInstanceOf(ThrottlingError);
    scheduler
      .on(DeleteScheduleCommand)
      .rejects(Object.assign(new Error('no'), { name: 'AccessDeniedException' }));
    await expect(schedules.delete('x')).rejects.toBeInstanceOf(EventBridgeSchedulerError);
  });
});
