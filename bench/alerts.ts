/**
 * Stopped-task alerts: N generated ECS Task State Change events (default 10,000) through the real
 * handler (parsing, classification, dedupe and crash-loop windows) on the production DynamoDB
 * adapter, run against dynalite in this process, with a counting notifier and no enrichment.
 *
 * The events and their mix come from test/fixtures/ecs-event-generator.ts (every stop category, a
 * crash loop of one service, expected stops, "stopping" and malformed events, exact duplicates),
 * seeded by --seed. Each event is handled with the clock at its own time. The bench fails unless
 * duplicates suppressed = duplicates generated and every stop got its intended category.
 *
 * Simulated AWS: dynalite is an in-process DynamoDB written in JavaScript, slower than DynamoDB
 * per call and sharing this process's CPU; events/s measures this program, not a Lambda fleet.
 */
import { parseArgs } from 'node:util';
import { handleTaskStopped, type TaskStoppedResult } from '../functions/alerts/task-stopped';
import { DynamoAlertStore } from '../shared/aws/dynamo-alert-store';
import { assessTaskEvent } from '../shared/domain/alerts/assess';
import { DEFAULT_ALERT_POLICY } from '../shared/domain/alerts/policy';
import { createLogger } from '../shared/lambda';
import { startDynalite } from '../shared/local/dynamodb/dynalite';
import type { Notification, Notifier } from '../shared/ports/notifier';
import {
  CRASH_LOOP_SERVICE,
  CRASH_LOOP_SHARE,
  generateTaskEvents,
  type Intent,
} from '../test/fixtures/ecs-event-generator';
import type { BenchResult } from './run';
import { integerOption, quantile, textTable } from './stats';

class CountingNotifier implements Notifier {
  alerts = 0;
  digests = 0;
  finalDigests = 0;
  subjects: string[] = [];
  async notify(notification: Notification): Promise<void> {
    if (notification.attributes.kind === 'digest') {
      this.digests++;
      if (notification.detail.final === true) this.finalDigests++;
    } else this.alerts++;
    if (notification.attributes.service === CRASH_LOOP_SERVICE) this.subjects.push(notification.subject);
  }
}

export async function alerts(args: string[]): Promise<BenchResult> {
  const { values } = parseArgs({
    args,
    options: {
      events: { type: 'string', default: '10000' },
      concurrency: { type: 'string', default: '8' },
      seed: { type: 'string', default: '42' },
    },
  });
  const total = integerOption('events', values.events, 100, 1_000_000);
  const concurrency = integerOption('concurrency', values.concurrency, 1, 256);
  const seed = integerOption('seed', values.seed);
  const generated = generateTaskEvents(total, seed);
  const duplicatesGenerated = generated.filter((g) => g.duplicate).length;

  // Classification alone (pure, in memory), for comparison with the full path.
  const classifyStart = performance.now();
  const misclassified: { intent: Intent; got: string }[] = [];
  for (const g of generated) {
    const a = assessTaskEvent(g.event, { clusters: [], includeExpected: true });
    const got = a.status === 'alert' || a.status === 'not-alerted' ? a.classification.category : a.status;
    if (got !== g.intent) misclassified.push({ intent: g.intent, got });
  }
  const classifyMs = performance.now() - classifyStart;

  const dynamo = await startDynalite();
  const notifier = new CountingNotifier();
  const store = new DynamoAlertStore({ client: dynamo.documentClient, tableName: dynamo.tableName });
  const logger = createLogger({ logLevel: 'SILENT' });
  const policy = { ...DEFAULT_ALERT_POLICY };
  const outcomes = new Map<string, number>();
  const latencies: number[] = [];
  let next = 0;
  const start = performance.now();
  try {
    const worker = async () => {
      for (let i = next++; i < generated.length; i = next++) {
        const g = generated[i]!;
        const began = performance.now();
        const result: TaskStoppedResult = await handleTaskStopped(
          { alerts: store, notifier, logger, policy, clock: { now: () => g.at } },
          g.event,
        );
        latencies.push(performance.now() - began);
        outcomes.set(result.outcome, (outcomes.get(result.outcome) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    await dynamo.stop();
  }
  const wallMs = performance.now() - start;
  const count = (outcome: string) => outcomes.get(outcome) ?? 0;
  const summary = {
    events: generated.length,
    concurrency,
    seed,
    eventsPerSecond: Math.round(generated.length / (wallMs / 1000)),
    wallMs: Math.round(wallMs),
    latencyMsP50: Number(quantile(latencies, 0.5).toFixed(2)),
    latencyMsP99: Number(quantile(latencies, 0.99).toFixed(2)),
    classificationOnlyEventsPerSecond: Math.round(generated.length / (classifyMs / 1000)),
    alertsSent: notifier.alerts,
    digestsSent: notifier.digests,
    finalDigestsSent: notifier.finalDigests,
    countedWithoutMessage: count('counted'),
    duplicatesGenerated,
    duplicatesSuppressed: count('duplicate'),
    expectedNotAlerted: count('not-alerted'),
    notStoppedSkipped: count('not-stopped'),
    malformedSkipped: count('malformed'),
    misclassified: misclassified.length,
    crashLoop: {
      service: CRASH_LOOP_SERVICE,
      stops: Math.round(total * CRASH_LOOP_SHARE),
      messages: notifier.subjects.length,
    },
  };
  const ok = summary.duplicatesSuppressed === duplicatesGenerated && misclassified.length === 0;
  const table = textTable(
    [
      'events',
      'events/s',
      'p50',
      'p99',
      'alerts',
      'digests',
      'counted only',
      'dup generated',
      'dup suppressed',
      'expected',
      'not stopped',
      'malformed',
    ],
    [
      [
        String(summary.events),
        String(summary.eventsPerSecond),
        `${summary.latencyMsP50} ms`,
        `${summary.latencyMsP99} ms`,
        String(summary.alertsSent),
        `${summary.digestsSent} (${summary.finalDigestsSent} final)`,
        String(summary.countedWithoutMessage),
        String(duplicatesGenerated),
        String(summary.duplicatesSuppressed),
        String(summary.expectedNotAlerted),
        String(summary.notStoppedSkipped),
        String(summary.malformedSkipped),
      ],
    ],
  );
  const lines = [
    `stopped-task alerts: handler + DynamoAlertStore on dynalite (in-process), concurrency ${concurrency}, seed ${seed}`,
    table,
    '',
    `duplicates suppressed = duplicates generated: ${summary.duplicatesSuppressed} = ${duplicatesGenerated} ${summary.duplicatesSuppressed === duplicatesGenerated ? 'OK' : 'MISMATCH'}`,
    `classification: ${misclassified.length} of ${generated.length} events off their intended category; classification alone ${summary.classificationOnlyEventsPerSecond} events/s`,
    `crash loop: ${summary.crashLoop.stops} OOM stops of ${CRASH_LOOP_SERVICE} in 40 min -> ${summary.crashLoop.messages} messages:`,
    ...notifier.subjects.map((s) => `  ${s}`),
  ];
  if (!ok) {
    const sample = misclassified
      .slice(0, 5)
      .map((m) => `${m.intent} -> ${m.got}`)
      .join(', ');
    throw new Error(
      `${lines.join('\n')}\n\nbench assertions failed${sample ? ` (misclassified: ${sample})` : ''}`,
    );
  }
  return { table: lines.join('\n'), data: { summary, crashLoopSubjects: notifier.subjects } };
}
