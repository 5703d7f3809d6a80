/** A message for people (SNS on AWS, console + JSONL file locally). */
export interface Notification {
  /**
   * Deduplication key: a retried step re-sends the same id. Transports that can deduplicate
   * deliver it once (the local sinks, SNS FIFO topics); SNS standard topics are at-least-once.
   */
  id?: string;
  subject: string;
  message: string;
  /** Flat string attributes subscribers can filter on (SNS message attributes). */
  attributes: Record<string, string>;
  detail: Record<string, unknown>;
}

export interface Notifier {
  notify(notification: Notification): Promise<void>;
}
