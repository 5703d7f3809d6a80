import 'aws-sdk-client-mock-jest';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { handleTaskStopped } from '../../../functions/alerts/task-stopped';
import { SnsNotifier } from '../../../shared/aws/sns-notifier';
import { DEFAULT_ALERT_POLICY } from '../../../shared/domain/alerts/policy';
import { createLogger } from '../../../shared/lambda';
import { ManualClock } from '../../support/memory-ports';
import { loadEvent, taskId, variant } from '../../fixtures/ecs-events';
import { MemoryAlertStore } from '../../support/memory-alert-store';

const sns = mockClient(SNSClient);
const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:greenlight-alerts';
const PLANTED = ['hunter2-Planted-Pa55word', 'sk_live_PLANTED51Hc0ffee', 'PLANTEDurlPass', '2026-03-01'];

function deps(envAllowList: string[] = []) {
  return {
    alerts: new MemoryAlertStore(),
    notifier: new SnsNotifier({ client: new SNSClient({ region: 'eu-west-1' }), topicArn: TOPIC }),
    clock: new ManualClock(Date.UTC(2026, 2, 2, 10, 0, 0)),
    logger: createLogger({ logLevel: 'SILENT' }),
    policy: { ...DEFAULT_ALERT_POLICY, envAllowList },
  };
}

describe('stopped-task alerts on SNS', () => {
  beforeEach(() => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });

  it('publishes subject, body with JSON detail, and filterable attributes', async () => {
    // Act
    await handleTaskStopped(deps(), loadEvent('out-of-memory'));

    // Assess
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(input.TopicArn).toBe(TOPIC);
    expect(input.Subject).toBe('[high] web-blue (prod): out of memory (app, exit 137)');
    expect(input.MessageAttributes).toStrictEqual({
      event: { DataType: 'String', StringValue: 'task-stopped' },
      kind: { DataType: 'String', StringValue: 'alert' },
      cluster: { DataType: 'String', StringValue: 'prod' },
      service: { DataType: 'String', StringValue: 'web-blue' },
      family: { DataType: 'String', StringValue: 'web' },
      category: { DataType: 'String', StringValue: 'out-of-memory' },
      severity: { DataType: 'String', StringValue: 'high' },
    });
    const json = JSON.parse(input.Message!.slice(input.Message!.indexOf('\n\n{') + 2)) as Record<
      string,
      unknown
    >;
    expect(json).toMatchObject({ kind: 'task-stopped', category: 'out-of-memory', exitCode: 137 });
  });

  it('never publishes planted secret values: not in subject, body, JSON or attributes', async () => {
    // Prepare: the value also echoed in a container reason, and a crash loop so a digest carries it too.
    const handler = deps(['LOG_LEVEL']);
    const events = Array.from({ length: 5 }, (_, i) => {
      const event = variant('exit-with-secret-overrides', { taskId: taskId(i + 1) });
      event.detail.containers[0]!.reason = 'config: password hunter2-Planted-Pa55word rejected';
      return event;
    });

    // Act
    for (const event of events) await handleTaskStopped(handler, event);

    // Assess
    const inputs = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(inputs.map((i) => i.MessageAttributes?.kind?.StringValue)).toEqual(['alert', 'digest']);
    const published = JSON.stringify(inputs);
    for (const value of PLANTED) expect(published).not.toContain(value);
    expect(published).toContain('LOG_LEVEL=debug');
  });
});
