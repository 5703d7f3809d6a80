/**
 * 1,000 mutated ECS task events against the real alerts handler (in-memory alert store, a
 * recording notifier, the production logger writing to a captured stdout). Every event carries
 * planted secrets (override values, access key IDs and secret keys in reasons); mutations change
 * types, lengths, unicode, drop and add fields and blow arrays up. Checked for every event: the
 * handler does not throw, and no planted secret or credential appears in any published message or
 * log line.
 *
 * Seeded: FUZZ_SEED=<n> replays a run; a failure prints its seed and case number.
 */
import type { Context } from 'aws-lambda';
import { createTaskStoppedHandler } from '../../functions/alerts/task-stopped';
import { DEFAULT_ALERT_POLICY } from '../../shared/domain/alerts/policy';
import { seededRandom, type Random } from '../../shared/domain/statistics/random';
import { createLogger } from '../../shared/lambda';
import type { Notification } from '../../shared/ports/notifier';
import { EVENT_FIXTURES, loadEvent } from '../fixtures/ecs-events';
import { MemoryAlertStore } from '../support/memory-alert-store';
import { ManualClock } from '../support/memory-ports';

const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const CASES = 1000;

/** Recognisable and never to be published or logged. */
const PLANTED = {
  password: 'Pl4nted-Pa55word-Zq9',
  token: 'planted-token-value-7Hx2',
  accessKeyId: 'AKIAPLANTEDFUZZKEY01',
  sessionKeyId: 'ASIAPLANTEDFUZZKEY02',
  secretKey: 'pLaNtEd/SeCrEt+AcCeSsKeY0123456789abcdEF',
};
const FORBIDDEN = Object.values(PLANTED);
/**
 * What may be planted anywhere in an event: credentials a pattern recognises. A password dropped
 * into, say, a task ARN cannot be told from the ARN; passwords are planted as override values only
 * (masked unless allow-listed, and scrubbed from the whole message).
 */
const CREDENTIALS = [
  PLANTED.accessKeyId,
  PLANTED.sessionKeyId,
  `aws_secret_access_key=${PLANTED.secretKey}`,
  `"SecretAccessKey": "${PLANTED.secretKey}"`,
];

const CONTEXT = { awsRequestId: 'fuzz', functionName: 'greenlight-fuzz-task-stopped' } as unknown as Context;

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const int = (random: Random, max: number) => Math.floor(random() * max);

const UNICODE = ['é', '中', '😀', '\u0000', '\u202e', '\ud800', '\n', '"', '\\', '#', '|', '%'];
function text(random: Random): string {
  const length = pick(random, [0, 1, 8, 64, 300, 3000, 70_000]);
  const unit = pick(random, ['x', ...UNICODE]);
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

function junk(random: Random, depth = 0): unknown {
  switch (int(random, depth > 2 ? 6 : 9)) {
    case 0:
      return null;
    case 1:
      return pick(random, [0, -1, 1.5, 137, 2 ** 53, Number.MAX_VALUE]);
    case 2:
      return pick(random, [true, false]);
    case 3:
      return text(random);
    case 4:
      return '';
    case 5:
      return `${pick(random, ['reason ', 'key ', ''])}${pick(random, CREDENTIALS)}`;
    case 6:
      return Array.from({ length: int(random, 4) }, () => junk(random, depth + 1));
    case 7:
      return Object.fromEntries(
        Array.from({ length: int(random, 4) }, (_, i) => [`k${i}`, junk(random, depth + 1)]),
      );
    default:
      return Array.from({ length: pick(random, [1000, 5000]) }, () => ({ name: 'c', exitCode: 1 }));
  }
}

/** Every object/array node of `value` with the key path to it. */
function nodes(value: unknown, path: (string | number)[] = [], out: [unknown, (string | number)[]][] = []) {
  if (value !== null && typeof value === 'object') {
    out.push([value, path]);
    for (const [k, v] of Object.entries(value))
      nodes(v, [...path, Array.isArray(value) ? Number(k) : k], out);
  }
  return out;
}

/** The fixture with secrets planted where events carry them, then 1 to 6 random mutations. */
function mutatedEvent(random: Random, n: number): unknown {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON tree mutated at any depth
  const event = loadEvent(pick(random, EVENT_FIXTURES)) as unknown as Record<string, any>;
  const detail = event.detail;
  // A task of its own per case, or dedupe would answer for most of them.
  detail.taskArn = String(detail.taskArn).replace(/[^/]+$/, n.toString(16).padStart(32, '0'));
  detail.overrides = {
    containerOverrides: [
      {
        name: pick(random, ['app', 'report', '']),
        environment: [
          { name: 'DB_PASSWORD', value: PLANTED.password },
          { name: 'API_TOKEN', value: PLANTED.token },
          { name: 'AWS_ACCESS_KEY_ID', value: PLANTED.accessKeyId },
          { name: 'AWS_SECRET_ACCESS_KEY', value: PLANTED.secretKey },
          { name: 'NOTE', value: `deploy note, key ${PLANTED.accessKeyId}` },
        ],
      },
    ],
  };
  detail.stoppedReason = `${detail.stoppedReason ?? ''} (caller ${PLANTED.sessionKeyId})`;
  if (Array.isArray(detail.containers) && detail.containers[0])
    detail.containers[0].reason = `aws_secret_access_key=${PLANTED.secretKey}`;

  const mutations = 1 + int(random, 6);
  for (let m = 0; m < mutations; m++) {
    const all = nodes(event);
    const [node] = pick(random, all);
    const container = node as Record<string, unknown>;
    const keys = Object.keys(container);
    const key = keys.length > 0 && random() < 0.8 ? pick(random, keys) : `extra${int(random, 5)}`;
    switch (int(random, 5)) {
      case 0:
        delete container[key];
        break;
      case 1:
        container[key] = junk(random);
        break;
      case 2:
        container[key] = text(random);
        break;
      case 3:
        // Type confusion on the fields the handler reads.
        detail[
          pick(random, [
            'taskArn',
            'version',
            'group',
            'clusterArn',
            'containers',
            'overrides',
            'stopCode',
            'lastStatus',
          ])
        ] = junk(random);
        break;
      default:
        container[key] =
          `${String(container[key] ?? '')}${pick(random, UNICODE)}${pick(random, CREDENTIALS)}`;
    }
  }
  return random() < 0.02 ? pick(random, [null, [], 'event', 42]) : event;
}

describe('alerts handler fuzz', () => {
  it(`handles ${CASES} mutated ECS task events: no throw, no planted secret in any message or log line`, async () => {
    const random = seededRandom(SEED);
    const clock = new ManualClock(Date.UTC(2026, 2, 2, 10, 16));
    const sent: Notification[] = [];
    const handler = createTaskStoppedHandler({
      alerts: new MemoryAlertStore(),
      notifier: { notify: async (n) => void sent.push(n) },
      clock,
      logger: createLogger({ logLevel: 'DEBUG', serviceName: 'greenlight-alerts' }),
      policy: { ...DEFAULT_ALERT_POLICY, envAllowList: ['NOTE', 'AWS_ACCESS_KEY_ID'] },
    });

    const log: string[] = [];
    const capture = (chunk: unknown) => {
      log.push(String(chunk));
      return true;
    };
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
    const outcomes: Record<string, number> = {};
    try {
      for (let i = 0; i < CASES; i++) {
        const event = mutatedEvent(random, i);
        const before = { sent: sent.length, log: log.length };
        let thrown: unknown;
        const result = await handler(event, CONTEXT).catch((e: unknown) => (thrown = e));
        const output = [
          ...sent.slice(before.sent).map((n) => JSON.stringify(n)),
          ...log.slice(before.log),
        ].join('\n');
        const leaked = FORBIDDEN.filter((secret) => output.includes(secret));
        const where = leaked.map((secret) => {
          const at = output.indexOf(secret);
          return output.slice(Math.max(0, at - 200), at + 60);
        });
        if (thrown || leaked.length > 0) {
          throw new Error(
            `fuzz case ${i} failed (replay: FUZZ_SEED=${SEED}): ${thrown ? `threw ${String(thrown)}` : `leaked ${leaked.join(', ')} in: ${where.join(' / ')}`}\nevent: ${JSON.stringify(event).slice(0, 2000)}`,
          );
        }
        const outcome = (result as { outcome?: string }).outcome ?? 'none';
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        clock.advance(7_000);
      }
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    console.info(`alerts fuzz, seed ${SEED}: ${CASES} events, outcomes ${JSON.stringify(outcomes)}`);
    // The run exercised the paths that publish, not only the refusals.
    expect(outcomes.published ?? 0).toBeGreaterThan(50);
    expect(outcomes.malformed ?? 0).toBeGreaterThan(10);
    expect(sent.length).toBeGreaterThan(50);
  }, 60_000);
});
