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

  it('maps throttling to ThrottlingError', async () => {
    cloudWatch
      .on(DescribeAlarmsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));

    await expect(alarms().firing(['a'])).rejects.toBeInstanceOf(ThrottlingError);
  });
});
