/** The local stand-in for SNS: a JSONL file, plus an optional console line. */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { systemClock, type Clock } from '../../ports/clock';
import type { Notification, Notifier } from '../../ports/notifier';

/** Where the subject line goes, e.g. `process.stdout`. */
export interface LineSink {
  write(chunk: string): unknown;
}

export interface FileNotifierOptions {
  /** JSONL file each notification is appended to; parent directories are created. */
  path: string;
  /** When set, each notification's subject is also printed here. */
  console?: LineSink;
  clock?: Clock;
}

/** One line of the notifications file. */
export interface NotificationLine extends Notification {
  /** ISO-8601 time the notification was sent. */
  sentAt: string;
}

/** Appends each notification as one JSON line to a file, like an SNS topic a human can `tail -f`. */
export class FileNotifier implements Notifier {
  private readonly path: string;
  private readonly console: LineSink | undefined;
  private readonly clock: Clock;

  constructor(options: FileNotifierOptions) {
    this.path = options.path;
    this.console = options.console;
    this.clock = options.clock ?? systemClock;
  }

  private readonly sentIds = new Set<string>();

  /** Appends the notification to the file and prints its subject, once per id. */
  async notify(notification: Notification): Promise<void> {
    if (notification.id !== undefined && this.sentIds.has(notification.id)) return;
    const line: NotificationLine = { sentAt: new Date(this.clock.now()).toISOString(), ...notification };
    await mkdir(dirname(this.path), { recursive: true });
    // One appendFile call per line: concurrent notifications never interleave within a line.
    await appendFile(this.path, `${JSON.stringify(line)}\n`, 'utf8');
    this.console?.write(`[notification] ${notification.subject}\n`);
    if (notification.id !== undefined) this.sentIds.add(notification.id);
  }
}
