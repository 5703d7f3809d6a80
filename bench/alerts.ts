/**
 * Stopped-task alerts: N generated ECS Task State Change events (default 10,000) through the real
 * handler (parsing, classification, dedupe and crash-loop windows) on the production DynamoDB
 * adapter, run against dynalite in this process, with a counting notifier and no enrichment.
 *
 * The mix: out-of-memory stops (and a crash loop of one service), image pulls, secrets, ELB and
 * container health checks, non-zero exits, failed starts, Spot and host terminations, unknown stop
 * codes, expected stops (scale-in, deployments, StopTask, finished jobs), "stopping" events that
 * precede lastStatus STOPPED, a few malformed events, and exact duplicates of alertable stops
 * (same task ARN and version, delivered up to 20 s later, as EventBridge may). Event times span
 * two simulated hours; each event is handled with the clock at its own time. The bench fails
 * unless duplicates suppressed = duplicates generated and every stop got its intended category.
 *
 * Simulated AWS: dynalite is an in-process DynamoDB written in JavaScript, slower than DynamoDB
 * per call and sharing this process's CPU; events/s measures this program, not a Lambda fleet.
 */
import { parseArgs } from 'node:util';
import { handleTaskStopped, type TaskStoppedResult } from '../functions/alerts/task-stopped';
import { DynamoAlertStore } from '../shared/aws/dynamo-alert-store';
import { assessTaskEvent } from '../shared/domain/alerts/assess';
import type { AlertCategory } from '../shared/domain/alerts/classify';
import { DEFAULT_ALERT_POLICY } from '../shared/domain/alerts/policy';
import { createLogger } from '../shared/lambda';
import { startDynalite } from '../shared/local/dynamodb/dynalite';
import type { Notification, Notifier } from '../shared/ports/notifier';
import type { BenchResult } from './run';
import { quantile, textTable } from './stats';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const CLUSTER = 'prod';
const T0 = Date.UTC(2026, 2, 2, 8, 0, 0);
const SPAN_MS = 2 * 60 * 60_000;
const CRASH_LOOP_SERVICE = 'checkout';

/** What a generated event is meant to be, checked against what the handler made of it. */
type Intent = AlertCategory | 'not-stopped' | 'malformed';

interface Generated {
  at: number;
  event: unknown;
  intent: Intent;
  duplicate: boolean;
}

/** Deterministic PRNG (mulberry32): the same seed generates the same events. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface StopShape {
  group: string;
  stopCode?: string;
  stoppedReason?: string;
  containers: { name: string; exitCode?: number; reason?: string; healthStatus?: string }[];
  capacityProviderName?: string;
  lastStatus?: string;
}

function ecsEvent(
  taskNumber: number,
  at: number,
  version: number,
  shape: StopShape,
): Record<string, unknown> {
  const taskId = taskNumber.toString(16).padStart(32, '0');
  const taskArn = `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${CLUSTER}/${taskId}`;
  const family = shape.group.slice(shape.group.indexOf(':') + 1).replace(/-(blue|green)$/, '');
  return {
    version: '0',
    id: `${taskId.slice(0, 8)}-0000-4000-8000-${String(version).padStart(12, '0')}`,
    'detail-type': 'ECS Task State Change',
    source: 'aws.ecs',
    account: ACCOUNT,
    time: new Date(at).toISOString(),
    region: REGION,
    resources: [taskArn],
    detail: {
      clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${CLUSTER}`,
      taskArn,
      taskDefinitionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${family}:12`,
      group: shape.group,
      startedBy: shape.group.startsWith('service:') ? 'ecs-svc/4093178520945331621' : 'events-rule/nightly',
      ...(shape.capacityProviderName
        ? { capacityProviderName: shape.capacityProviderName }
        : { launchType: 'FARGATE' }),
      lastStatus: shape.lastStatus ?? 'STOPPED',
      desiredStatus: 'STOPPED',
      ...(shape.stopCode ? { stopCode: shape.stopCode } : {}),
      ...(shape.stoppedReason ? { stoppedReason: shape.stoppedReason } : {}),
      stoppedAt: new Date(at).toISOString(),
      containers: shape.containers.map((c) => ({ ...c, lastStatus: 'STOPPED', taskArn })),
      overrides: {
        containerOverrides: [
          { name: 'app', environment: [{ name: 'DB_PASSWORD', value: `bench-secret-${taskNumber}` }] },
        ],
      },
      version,
    },
  };
}

const SERVICES = ['web', 'api', 'search', 'payments', 'profile', 'worker'];
const TG = (service: string) =>
  `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/${service}-blue/73e2d6bc24d8a067`;

/** Each category: how to make a stop of it. */
const SHAPES: Record<
  Exclude<Intent, 'not-stopped' | 'malformed' | 'unknown-shape'>,
  (service: string, r: () => number) => StopShape
> = {
  'out-of-memory': (s) => ({
    group: `service:${s}`,
    stopCode: 'EssentialContainerExited',
    stoppedReason: 'Essential container in task exited',
    containers: [
      { name: 'app', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' },
      { name: 'log-router', exitCode: 0 },
    ],
  }),
  'image-pull-failure': (s) => ({
    group: `service:${s}`,
    stopCode: 'TaskFailedToStart',
    stoppedReason: `CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to resolve ref ${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${s}:9.9.9: not found`,
    containers: [{ name: 'app', reason: 'CannotPullContainerError: not found' }, { name: 'log-router' }],
  }),
  'resource-initialization': () => ({
    group: 'family:nightly-report',
    stopCode: 'TaskFailedToStart',
    stoppedReason:
      'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: AccessDeniedException',
    containers: [{ name: 'app' }],
  }),
  'elb-health-check': (s) => ({
    group: `service:${s}-blue`,
    stopCode: 'ServiceSchedulerInitiated',
    stoppedReason: `Task failed ELB health checks in (target-group ${TG(s)})`,
    containers: [
      { name: 'app', exitCode: 143 },
      { name: 'log-router', exitCode: 0 },
    ],
  }),
  'container-health-check': (s) => ({
    group: `service:${s}`,
    stopCode: 'ServiceSchedulerInitiated',
    stoppedReason: 'Task failed container health checks',
    containers: [
      { name: 'app', exitCode: 143, healthStatus: 'UNHEALTHY' },
      { name: 'log-router', exitCode: 0 },
    ],
  }),
  'essential-container-exited': (s, r) => ({
    group: `service:${s}`,
    stopCode: 'EssentialContainerExited',
    stoppedReason: 'Essential container in task exited',
    containers: [
      { name: 'app', exitCode: [1, 2, 127, 139, 255][Math.floor(r() * 5)]! },
      { name: 'log-router', exitCode: 143 },
    ],
  }),
  'failed-to-start': (s) => ({
    group: `service:${s}`,
    stopCode: 'TaskFailedToStart',
    stoppedReason: 'Timeout waiting for network interface provisioning to complete.',
    containers: [{ name: 'app' }],
  }),
  'spot-interruption': (s) => ({
    group: `service:${s}`,
    capacityProviderName: 'FARGATE_SPOT',
    stopCode: 'SpotInterruption',
    stoppedReason: 'Your Spot Task was interrupted.',
    containers: [{ name: 'app', exitCode: 143 }],
  }),
  'termination-notice': (s) => ({
    group: `service:${s}`,
    capacityProviderName: 'prod-asg',
    stopCode: 'TerminationNotice',
    stoppedReason: 'Host EC2 (instance i-0a1b2c3d4e5f67890) stopped/terminated.',
    containers: [{ name: 'app', exitCode: 143 }],
  }),
  unknown: (s) => ({
    group: `service:${s}`,
    stopCode: 'FutureStopCode2027',
    stoppedReason: 'Moved by a future ECS feature',
    containers: [],
  }),
  'scaling-activity': (s) => ({
    group: `service:${s}`,
    stopCode: 'ServiceSchedulerInitiated',
    stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/4093178520945331621)',
    containers: [
      { name: 'app', exitCode: 0 },
      { name: 'log-router', exitCode: 0 },
    ],
  }),
  'user-initiated': (s) => ({
    group: `service:${s}`,
    stopCode: 'UserInitiated',
    stoppedReason: 'Task stopped by user',
    containers: [{ name: 'app', exitCode: 143 }],
  }),
  'task-completed': () => ({
    group: 'family:nightly-report',
    stopCode: 'EssentialContainerExited',
    stoppedReason: 'Essential container in task exited',
    containers: [{ name: 'app', exitCode: 0 }],
  }),
};

/** Share of the events per kind (duplicates take the rest). */
const MIX: [keyof typeof SHAPES | 'not-stopped' | 'malformed' | 'crash-loop', number][] = [
  ['crash-loop', 0.15],
  ['out-of-memory', 0.04],
  ['image-pull-failure', 0.03],
  ['resource-initialization', 0.015],
  ['elb-health-check', 0.05],
  ['container-health-check', 0.025],
  ['essential-container-exited', 0.07],
  ['failed-to-start', 0.01],
  ['spot-interruption', 0.02],
  ['termination-notice', 0.005],
  ['unknown', 0.005],
  ['scaling-activity', 0.3],
  ['user-initiated', 0.04],
  ['task-completed', 0.05],
  ['not-stopped', 0.08],
  ['malformed', 0.002],
];

/** The events, in delivery order. */
export function generateEvents(total: number, seed: number): Generated[] {
  const random = prng(seed);
  const events: Generated[] = [];
  let taskNumber = 0;
  const unique = MIX.map(([kind, share]) => [kind, Math.round(total * share)] as const);
  for (const [kind, count] of unique) {
    for (let i = 0; i < count; i++) {
      const service = SERVICES[Math.floor(random() * SERVICES.length)]!;
      taskNumber++;
      if (kind === 'crash-loop') {
        // One service out of memory every ~1.6 s for 40 minutes, from minute 30.
        const at = T0 + 30 * 60_000 + Math.floor((i * 40 * 60_000) / count);
        events.push({
          at,
          event: ecsEvent(taskNumber, at, 6, SHAPES['out-of-memory'](CRASH_LOOP_SERVICE, random)),
          intent: 'out-of-memory',
          duplicate: false,
        });
        continue;
      }
      const at = T0 + Math.floor(random() * SPAN_MS);
      if (kind === 'malformed') {
        events.push({
          at,
          event: { 'detail-type': 'ECS Task State Change', detail: { lastStatus: 'STOPPED' } },
          intent: 'malformed',
          duplicate: false,
        });
      } else if (kind === 'not-stopped') {
        const shape = { ...SHAPES['out-of-memory'](service, random), lastStatus: 'DEACTIVATING' };
        events.push({
          at,
          event: ecsEvent(taskNumber, at, 5, shape),
          intent: 'not-stopped',
          duplicate: false,
        });
      } else {
        events.push({
          at,
          event: ecsEvent(taskNumber, at, 6, SHAPES[kind](service, random)),
          intent: kind,
          duplicate: false,
        });
      }
    }
  }
  const alertable = events.filter(
    (e) => e.intent !== 'not-stopped' && e.intent !== 'malformed' && !isExpected(e.intent),
  );
  const duplicates = Math.max(0, total - events.length);
  for (let i = 0; i < duplicates; i++) {
    const original = alertable[Math.floor(random() * alertable.length)]!;
    // The identical event (same task ARN and version) again, up to 20 s later.
    events.push({ ...original, at: original.at + Math.floor(random() * 20_000), duplicate: true });
  }
  return events.sort((a, b) => a.at - b.at);
}

function isExpected(intent: Intent): boolean {
  return intent === 'scaling-activity' || intent === 'user-initiated' || intent === 'task-completed';
}

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
  const total = Number(values.events);
  const concurrency = Number(values.concurrency);
  const seed = Number(values.seed);
  if (!Number.isInteger(total) || total < 100 || total > 1_000_000)
    throw new Error(`--events: expected 100 to 1000000, got ${values.events}`);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256)
    throw new Error(`--concurrency: expected 1 to 256, got ${values.concurrency}`);
  const generated = generateEvents(total, seed);
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
      stops: Math.round(total * 0.15),
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
