import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { CloudWatchAlarms } from '../../../shared/aws/cloudwatch-alarms';
import { ThrottlingError } from '../../../shared/domain/errors';

const cloudWatch = mockClient(CloudWatchClient);
const alarms = () => new CloudWatchAlarms({ client: new CloudWatchClient({ region: 'eu-west-1' }) });

describe('CloudWatchAlarms', () => {
  beforeEach(() => cloudWatch.reset());

  it('asks only for the named alarms in ALARM, metric and composite, and returns their names', async () => {
    cloudWatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [{ AlarmName: 'web-5xx' }],
      CompositeAlarms: [{ AlarmName: 'web-health' }],
    });

    const firing = await alarms().firing(['web-5xx', 'web-latency', 'web-health']);

    expect(firing).toEqual(['web-5xx', 'web-health']);
    expect(cloudWatch).toHaveReceivedCommandTimes(DescribeAlarmsCommand, 1);
    expect(cloudWatch).toHaveReceivedCommandWith(DescribeAlarmsCommand, {
      AlarmNames: ['web-5xx', 'web-latency', 'web-health'],
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
      StateValue: 'ALARM',
    });
  });

  it('follows NextToken and splits more than 100 names into several calls', async () => {
    const names = Array.from({ length: 150 }, (_, i) => `alarm-${i}`);
    cloudWatch
      .on(DescribeAlarmsCommand)
      .resolvesOnce({ MetricAlarms: [{ AlarmName: 'alarm-1' }], NextToken: 'page-2' })
      .resolvesOnce({ MetricAlarms: [{ AlarmName: 'alarm-99' }] })
      .resolvesOnce({ MetricAlarms: [{ AlarmName: 'alarm-120' }] });

    const firing = await alarms().firing(names);

    expect(firing).toEqual(['alarm-1', 'alarm-99', 'alarm-120']);
    expect(cloudWatch).toHaveReceivedNthCommandWith(2, DescribeAlarmsCommand, { NextToken: 'page-2' });
    expect(cloudWatch).toHaveReceivedNthCommandWith(3, DescribeAlarmsCommand, {
      AlarmNames: names.slice(100),
    });
  });

  it('makes no call when the deployment watches no alarm', async () => {
    expect(await alarms().firing([])).toEqual([]);
    expect(cloudWatch).toHaveReceivedCommandTimes(DescribeAlarmsCommand, 0);
  });

  it('finds the named alarms that do not exist with one DescribeAlarms per 100 names, in any state', async () => {
    const names = [...Array.from({ length: 101 }, (_, i) => `alarm-${i}`), 'alarm-0'];
    cloudWatch
      .on(DescribeAlarmsCommand)
      .resolvesOnce({ MetricAlarms: [{ AlarmName: 'alarm-0', StateValue: 'OK' }], NextToken: 'page-2' })
      .resolvesOnce({
        MetricAlarms: Array.from({ length: 98 }, (_, i) => ({ AlarmName: `alarm-${i + 2}` })),
        CompositeAlarms: [],
      })
      .resolvesOnce({ CompositeAlarms: [{ AlarmName: 'alarm-100', StateValue: 'ALARM' }] });

    const missing = await alarms().missing(names);

    expect(missing).toEqual(['alarm-1']);
    expect(cloudWatch).toHaveReceivedCommandTimes(DescribeAlarmsCommand, 3);
    expect(cloudWatch.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input)).toEqual([
      { AlarmNames: names.slice(0, 100), AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] },
      { AlarmNames: names.slice(0, 100), AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], NextToken: 'page-2' },
      { AlarmNames: names.slice(100), AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] },
    ]);
  });

  it('reports a misspelled alarm, which DescribeAlarms answers with nothing', async () => {
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [], CompositeAlarms: [] });

    expect(await alarms().missing(['web-5xxx'])).toEqual(['web-5xxx']);
    expect(cloudWatch).toHaveReceivedCommandWith(DescribeAlarmsCommand, {
      AlarmNames: ['web-5xxx'],
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
    });
  });

  it('maps throttling to ThrottlingError', async () => {
    cloudWatch
      .on(DescribeAlarmsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));

    await expect(alarms().firing(['a'])).rejects.toBeInstanceOf(ThrottlingError);
  });
});
