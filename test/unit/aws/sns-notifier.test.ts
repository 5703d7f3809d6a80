import 'aws-sdk-client-mock-jest';
import { PublishCommand, SNSClient, ThrottledException } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { createHash } from 'node:crypto';
import { fifoFields, SnsNotifier, snsMessage, snsSubject } from '../../../shared/aws/sns-notifier';
import { ThrottlingError } from '../../../shared/domain/errors';

const sns = mockClient(SNSClient);
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:greenlight';
const notifier = new SnsNotifier({ client: new SNSClient({ region: 'eu-west-1' }), topicArn: TOPIC });

describe('SnsNotifier', () => {
  beforeEach(() => {
    sns.reset();
  });

  it('publishes subject, text plus JSON detail, and non-empty attributes as String attributes', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });

    // Act
    await notifier.notify({
      subject: 'web: deployment dep-1 promoted',
      message: 'dep-1 promoted web:2.0.0 to 100 %.',
      attributes: { service: 'web', outcome: 'PROMOTED', cluster: '' },
      detail: { deploymentId: 'dep-1', lastWeight: 100 },
    });

    // Assess
    expect(sns.commandCalls(PublishCommand)[0]!.args[0].input).toStrictEqual({
      TopicArn: TOPIC,
      Subject: 'web: deployment dep-1 promoted',
      Message: 'dep-1 promoted web:2.0.0 to 100 %.\n\n{\n  "deploymentId": "dep-1",\n  "lastWeight": 100\n}',
      MessageAttributes: {
        service: { DataType: 'String', StringValue: 'web' },
        outcome: { DataType: 'String', StringValue: 'PROMOTED' },
      },
    });
  });

  it('sends no MessageAttributes when every attribute is empty', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({});

    // Act
    await notifier.notify({ subject: 's', message: 'm', attributes: { service: ' ' }, detail: {} });

    // Assess
    expect(sns.commandCalls(PublishCommand)[0]!.args[0].input.MessageAttributes).toBeUndefined();
  });

  it('maps SNS throttling to ThrottlingError, keeping the cause', async () => {
    // Prepare
    const throttled = new ThrottledException({ message: 'Rate exceeded', $metadata: {} });
    sns.on(PublishCommand).rejects(throttled);

    // Act
    const error = await notifier
      .notify({ subject: 's', message: 'm', attributes: {}, detail: {} })
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ThrottlingError);
    expect((error as Error).cause).toBe(throttled);
  });
});

describe('snsSubject', () => {
  it('keeps a short printable subject as it is', () => {
    // Act
    const subject = snsSubject('web: rollback (5xx rate 9.0% > 1.0%)');

    // Assess
    expect(subject).toBe('web: rollback (5xx rate 9.0% > 1.0%)');
  });

  it('folds accents, replaces other non-ASCII characters and joins lines', () => {
    // Act
    const subject = snsSubject('café ✓ déployé\nline two\ttab');

    // Assess
    expect(subject).toBe('cafe ? deploye line two tab');
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
  });

  it('shortens long subjects to under 100 characters with an ellipsis', () => {
    // Act
    const subject = snsSubject('x'.repeat(300));

    // Assess
    expect(subject.length).toBeLessThan(100);
    expect(subject.endsWith('...')).toBe(true);
  });

  it('falls back to a generic subject when nothing printable is left', () => {
    // Act
    const subject = snsSubject('  \n ');

    // Assess
    expect(subject).toBe('Greenlight notification');
  });
});

describe('snsMessage', () => {
  it('drops the detail rather than exceed the SNS size limit', () => {
    // Act
    const message = snsMessage({ message: 'rolled back', detail: { log: 'x'.repeat(300 * 1024) } });

    // Assess
    expect(Buffer.byteLength(message)).toBeLessThan(256 * 1024);
    expect(message.startsWith('rolled back\n\n')).toBe(true);
    expect(message).toContain('detailOmitted');
  });
});

describe('SnsNotifier on a FIFO topic', () => {
  const FIFO = 'arn:aws:sns:eu-west-1:123456789012:greenlight.fifo';
  const fifo = new SnsNotifier({ client: new SNSClient({ region: 'eu-west-1' }), topicArn: FIFO });
  const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

  beforeEach(() => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });

  it('derives the deduplication id from the notification id and the group from cluster and service', async () => {
    const id = 'task-stopped/0a1b2c3d/v6';
    await fifo.notify({
      id,
      subject: 's',
      message: 'm',
      attributes: { cluster: 'prod', service: 'web' },
      detail: {},
    });
    await fifo.notify({
      id,
      subject: 's2',
      message: 'm2',
      attributes: { cluster: 'prod', service: 'web' },
      detail: {},
    });

    const inputs = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(inputs[0]).toMatchObject({
      TopicArn: FIFO,
      MessageGroupId: 'prod/web',
      MessageDeduplicationId: sha256(id),
    });
    // A republished message of the same claim carries the same id: SNS drops the copy.
    expect(inputs[1]!.MessageDeduplicationId).toBe(inputs[0]!.MessageDeduplicationId);
  });

  it('never sends a raw id or group SNS would refuse (too long, outside [!-~])', () => {
    const fields = fifoFields({
      id: `task-stopped/${'é'.repeat(300)}/v1`,
      subject: 's',
      message: 'm',
      attributes: { cluster: 'prod', service: `svc ${'x'.repeat(200)}` },
    });
    expect(fields.MessageDeduplicationId).toMatch(/^[0-9a-f]{64}$/);
    expect(fields.MessageGroupId).toMatch(/^h-[0-9a-f]{64}$/);
    expect(fifoFields({ subject: 'a', message: 'b', attributes: {} })).toEqual({
      MessageGroupId: 'greenlight',
      MessageDeduplicationId: sha256('a\nb'),
    });
  });

  it('sends no FIFO fields to a standard topic', async () => {
    await notifier.notify({
      id: 'x',
      subject: 's',
      message: 'm',
      attributes: { service: 'web' },
      detail: {},
    });
    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(input.MessageGroupId).toBeUndefined();
    expect(input.MessageDeduplicationId).toBeUndefined();
  });
});
