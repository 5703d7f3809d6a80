/** The Alarms port on CloudWatch: one DescribeAlarms call per 100 names, paginated. */
import { DescribeAlarmsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GreenlightError } from '../domain/errors';
import type { Alarms } from '../ports/alarms';
import { normaliseAwsError } from './errors';

export class CloudWatchAlarmsError extends GreenlightError {}

/** DescribeAlarms takes at most 100 alarm names per call. */
const NAMES_PER_CALL = 100;

export class CloudWatchAlarms implements Alarms {
  private readonly client: CloudWatchClient;

  constructor(options: { client: CloudWatchClient }) {
    this.client = options.client;
  }

  async firing(names: string[]): Promise<string[]> {
    return this.describe(names, 'ALARM');
  }

  /** DescribeAlarms returns nothing for a name no alarm has: those are the missing ones. */
  async missing(names: string[]): Promise<string[]> {
    const found = new Set(await this.describe(names));
    return [...new Set(names)].filter((name) => !found.has(name));
  }

  /** Names of the named alarms (metric and composite), only those in `state` when given. */
  private async describe(names: string[], state?: 'ALARM'): Promise<string[]> {
    const described: string[] = [];
    for (let i = 0; i < names.length; i += NAMES_PER_CALL) {
      const batch = names.slice(i, i + NAMES_PER_CALL);
      let nextToken: string | undefined;
      do {
        try {
          const page = await this.client.send(
            new DescribeAlarmsCommand({
              AlarmNames: batch,
              AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
              ...(state ? { StateValue: state } : {}),
              ...(nextToken ? { NextToken: nextToken } : {}),
            }),
          );
          for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
            if (alarm.AlarmName) described.push(alarm.AlarmName);
          }
          nextToken = page.NextToken;
        } catch (error) {
          throw normaliseAwsError(
            error,
            `CloudWatch DescribeAlarms (${batch.join(', ')})`,
            (message, cause) => new CloudWatchAlarmsError(message, { cause }),
          );
        }
      } while (nextToken);
    }
    return described;
  }
}
