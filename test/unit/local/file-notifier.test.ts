import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileNotifier } from '../../../shared/local/sns/file-notifier';
import { MemoryNotifier } from '../../support/memory-ports';
import type { Notification } from '../../../shared/ports/notifier';

const notification = (subject: string): Notification => ({
  subject,
  message: `${subject}: details`,
  attributes: { service: 'web' },
  detail: { deploymentId: 'dep-1' },
});

describe('FileNotifier', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'greenlight-notifier-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('appends one JSON line per notification, creating missing directories', async () => {
    // Prepare
    const path = join(dir, 'nested', 'deeper', 'notifications.jsonl');
    const notifier = new FileNotifier({ path, clock: { now: () => Date.UTC(2026, 0, 1) } });

    // Act
    await notifier.notify(notification('first'));
    await notifier.notify(notification('second'));

    // Assess
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      { sentAt: '2026-01-01T00:00:00.000Z', ...notification('first') },
      { sentAt: '2026-01-01T00:00:00.000Z', ...notification('second') },
    ]);
  });

  it('prints the subject to the console sink when one is given', async () => {
    // Prepare
    const printed: string[] = [];
    const notifier = new FileNotifier({
      path: join(dir, 'n.jsonl'),
      console: { write: (s: string) => printed.push(s) },
    });

    // Act
    await notifier.notify(notification('web: deployment dep-1 promoted'));

    // Assess
    expect(printed).toEqual(['[notification] web: deployment dep-1 promoted\n']);
  });
});

describe('MemoryNotifier', () => {
  it('keeps a copy of each notification in order', async () => {
    // Prepare
    const notifier = new MemoryNotifier();
    const first = notification('first');

    // Act
    await notifier.notify(first);
    await notifier.notify(notification('second'));
    first.attributes.service = 'changed later';

    // Assess
    expect(notifier.sent.map((n) => n.subject)).toEqual(['first', 'second']);
    expect(notifier.sent[0]?.attributes.service).toBe('web');
  });
});
