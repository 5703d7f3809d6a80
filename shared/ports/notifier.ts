/** A message for people (SNS on AWS, console + JSONL file locally). */
export interface Notification {
  subject: string;
  message: string;
  /** Flat string attributes subscribers can filter on (SNS message attributes). */
  attributes: Record<string, string>;
  detail: Record<string, unknown>;
}

export interface Notifier {
  notify(notification: Notification): Promise<void>;
}
