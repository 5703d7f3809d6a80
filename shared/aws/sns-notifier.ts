/** The Notifier port on an SNS topic. */
import { createHash } from 'node:crypto';
import { PublishCommand, type MessageAttributeValue, type SNSClient } from '@aws-sdk/client-sns';
import { GreenlightError } from '../domain/errors';
import type { Notification, Notifier } from '../ports/notifier';
import { normaliseAwsError } from './errors';

/** An SNS call failed for a reason other than throttling. */
export class SnsNotifierError extends GreenlightError {}

/** SNS wants subjects "less than 100 characters". */
export const MAX_SUBJECT_LENGTH = 99;
/** SNS's 256 KiB message limit, minus room for the attributes that count towards it. */
const MAX_MESSAGE_BYTES = 256 * 1024 - 8 * 1024;
const FALLBACK_SUBJECT = 'Greenlight notification';

/** Publishes each notification to one SNS topic, attributes as filterable message attributes. */
export class SnsNotifier implements Notifier {
  private readonly client: SNSClient;
  private readonly topicArn: string;

  constructor(options: { client: SNSClient; topicArn: string }) {
    this.client = options.client;
    this.topicArn = options.topicArn;
  }

  /** Publishes the human text followed by the JSON detail. */
  async notify(notification: Notification): Promise<void> {
    try {
      await this.client.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: snsSubject(notification.subject),
          Message: snsMessage(notification),
          MessageAttributes: messageAttributes(notification.attributes),
          // Standard topics take no such fields (and deliver at least once).
          ...(this.topicArn.endsWith('.fifo') ? fifoFields(notification) : {}),
        }),
      );
    } catch (error) {
      throw normaliseAwsError(
        error,
        `SNS Publish (topic ${this.topicArn})`,
        (message, cause) => new SnsNotifierError(message, { cause }),
      );
    }
  }
}

/**
 * FIFO topics drop a message whose MessageDeduplicationId they saw in the last 5 minutes: the id is
 * a hash of the notification's id (a retried publish of one claim re-sends the same id), or of its
 * text when it has none. Both fields allow at most 128 characters of `[!-~]`, so a raw id (a task
 * ARN may hold anything, at any length) is never sent as is; the group keeps one service's messages
 * in order (alert before digest).
 */
export function fifoFields(notification: Pick<Notification, 'id' | 'subject' | 'message' | 'attributes'>): {
  MessageGroupId: string;
  MessageDeduplicationId: string;
} {
  const source = notification.id ?? `${notification.subject}\n${notification.message}`;
  const group = [
    notification.attributes.cluster,
    notification.attributes.service ?? notification.attributes.family,
  ]
    .filter(Boolean)
    .join('/');
  return {
    MessageGroupId: FIFO_FIELD.test(group)
      ? group
      : group === ''
        ? 'greenlight'
        : `h-${sha256(group).slice(0, 64)}`,
    MessageDeduplicationId: sha256(source),
  };
}

const FIFO_FIELD = /^[!-~]{1,128}$/;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * A subject SNS accepts: printable ASCII (accents folded, other characters replaced), one line,
 * at most MAX_SUBJECT_LENGTH characters.
 */
export function snsSubject(subject: string): string {
  const ascii = subject
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
  if (ascii === '') return FALLBACK_SUBJECT;
  return ascii.length <= MAX_SUBJECT_LENGTH
    ? ascii
    : `${ascii.slice(0, MAX_SUBJECT_LENGTH - 3).trimEnd()}...`;
}

/** The message body: the human text, a blank line, then the detail as indented JSON. */
export function snsMessage(notification: Pick<Notification, 'message' | 'detail'>): string {
  const full = `${notification.message}\n\n${JSON.stringify(notification.detail, null, 2)}`;
  if (Buffer.byteLength(full, 'utf8') <= MAX_MESSAGE_BYTES) return full;
  // Dropping the detail beats losing the notification to SNS's size limit.
  const note = JSON.stringify({ detailOmitted: 'larger than the SNS message limit' });
  const room = MAX_MESSAGE_BYTES - Buffer.byteLength(`\n\n${note}`, 'utf8');
  return `${Buffer.from(notification.message, 'utf8').subarray(0, room).toString('utf8')}\n\n${note}`;
}

function messageAttributes(
  attributes: Record<string, string>,
): Record<string, MessageAttributeValue> | undefined {
  const entries = Object.entries(attributes)
    // SNS rejects empty attribute values.
    .filter(([, value]) => typeof value === 'string' && value.trim() !== '')
    .map(([name, value]): [string, MessageAttributeValue] => [
      name,
      { DataType: 'String', StringValue: value },
    ]);
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}
