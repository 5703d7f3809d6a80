/**
 * ECS "Task State Change" events (EventBridge, `source: aws.ecs`) read leniently: ECS adds fields
 * and stop codes over time, and a field of an unexpected type must not cost us the alert. Only
 * what dedupe cannot do without (an object `detail` with a `taskArn`) is required; every other
 * field is optional and dropped when it has the wrong type.
 *
 * Fields that end up in a DynamoDB key (task ARN and version in the stop marker's key; cluster
 * ARN, group and task definition family in the crash-loop window's key) are bounded so that the
 * longest key fits DynamoDB's limit: an event beyond them cannot be a real ECS event, and is
 * refused (logged and skipped) here rather than thrown by DynamoDB as a ValidationException, which
 * Lambda would retry. Real ECS values are far shorter (names of at most 255 characters, ARNs of a
 * few hundred).
 */
import { z } from 'zod';
import { DYNAMODB_PARTITION_KEY_MAX_BYTES, utf8Bytes } from '../limits';

/**
 * Byte budgets of the key fields. The stop key is `ALERT#STOP#<taskArn>#<version>`, the window key
 * `ALERT#WINDOW#<clusterArn>|<group, family:<family> or task:<taskId>>` (dynamo-alert-store.ts);
 * with these budgets either stays under DYNAMODB_PARTITION_KEY_MAX_BYTES with room for the prefixes
 * (test/unit/alerts/task-event.test.ts builds the worst cases with the adapter's key functions).
 */
export const EVENT_FIELD_MAX_BYTES = {
  taskArn: 1024,
  version: 64,
  clusterArn: 768,
  group: 768,
  taskDefinitionArn: 768,
  /** Container names are stored in the window item and in a retry's saved progress. */
  containerName: 1024,
} as const;

/** The room left for the alert store's key prefixes and separators (`ALERT#WINDOW#`, `|`, `family:`). */
export const KEY_PREFIX_ALLOWANCE_BYTES =
  DYNAMODB_PARTITION_KEY_MAX_BYTES -
  Math.max(
    EVENT_FIELD_MAX_BYTES.taskArn + EVENT_FIELD_MAX_BYTES.version,
    EVENT_FIELD_MAX_BYTES.clusterArn +
      Math.max(
        EVENT_FIELD_MAX_BYTES.group,
        EVENT_FIELD_MAX_BYTES.taskDefinitionArn,
        EVENT_FIELD_MAX_BYTES.taskArn,
      ),
  );

/**
 * An optional string of at most `maxBytes` (UTF-8): another type is dropped (lenient, as everywhere),
 * a longer string refuses the event. The issue gives the limit, never the value.
 */
const bounded = (maxBytes: number) =>
  z
    .unknown()
    .transform((value, ctx): string | undefined => {
      if (typeof value !== 'string') return undefined;
      if (utf8Bytes(value) > maxBytes) {
        ctx.addIssue({ code: 'custom', message: `longer than ${maxBytes} bytes (UTF-8)` });
        return z.NEVER;
      }
      return value;
    })
    .optional();

/** Optional, and undefined rather than a parse failure when present with the wrong type. */
const lenient = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);

const text = lenient(z.string());

const ContainerSchema = z
  .object({
    // A container whose name no container can have is dropped, like any unusable container.
    name: bounded(EVENT_FIELD_MAX_BYTES.containerName),
    containerArn: text,
    image: text,
    lastStatus: text,
    healthStatus: text,
    reason: text,
    exitCode: lenient(z.number().int()),
  })
  .loose();

const EnvironmentEntrySchema = z
  .object({
    name: text,
    value: lenient(z.union([z.string(), z.number(), z.boolean()])),
  })
  .loose();

const ContainerOverrideSchema = z.object({ name: text, environment: lenient(z.array(z.unknown())) }).loose();

const DetailSchema = z
  .object({
    taskArn: z
      .string()
      .min(1)
      .refine((arn) => utf8Bytes(arn) <= EVENT_FIELD_MAX_BYTES.taskArn, {
        message: `longer than ${EVENT_FIELD_MAX_BYTES.taskArn} bytes (UTF-8)`,
      }),
    clusterArn: bounded(EVENT_FIELD_MAX_BYTES.clusterArn),
    taskDefinitionArn: bounded(EVENT_FIELD_MAX_BYTES.taskDefinitionArn),
    group: bounded(EVENT_FIELD_MAX_BYTES.group),
    startedBy: text,
    launchType: text,
    capacityProviderName: text,
    availabilityZone: text,
    lastStatus: text,
    desiredStatus: text,
    stopCode: text,
    stoppedReason: text,
    stoppedAt: text,
    version: z
      .unknown()
      .transform((value, ctx): number | string | undefined => {
        if (typeof value === 'number') return value;
        if (typeof value !== 'string') return undefined;
        if (utf8Bytes(value) > EVENT_FIELD_MAX_BYTES.version) {
          ctx.addIssue({
            code: 'custom',
            message: `longer than ${EVENT_FIELD_MAX_BYTES.version} bytes (UTF-8)`,
          });
          return z.NEVER;
        }
        return value;
      })
      .optional(),
    containers: lenient(z.array(z.unknown())),
    overrides: lenient(z.object({ containerOverrides: lenient(z.array(z.unknown())) }).loose()),
  })
  .loose();

export const TASK_STATE_CHANGE = 'ECS Task State Change';

const EnvelopeSchema = z
  .object({
    'detail-type': text,
    source: text,
    id: text,
    time: text,
    region: text,
    account: text,
    detail: DetailSchema,
  })
  .loose()
  .refine((event) => event['detail-type'] === undefined || event['detail-type'] === TASK_STATE_CHANGE, {
    message: `expected "${TASK_STATE_CHANGE}"`,
    path: ['detail-type'],
  });

/** A container of the stopped task as the event reports it. */
export interface TaskContainer {
  name: string;
  exitCode?: number;
  reason?: string;
  lastStatus?: string;
  healthStatus?: string;
  image?: string;
}

/** One `overrides.containerOverrides[].environment` entry; the value may be a secret. */
export interface EnvironmentOverride {
  container: string;
  name: string;
  /** Absent when the event carried no usable value. Never publish it without redaction. */
  value?: string;
}

/** The task state change, normalised: names derived from ARNs and `group`, containers listed. */
export interface TaskStop {
  taskArn: string;
  /** Last segment of the task ARN. */
  taskId: string;
  clusterArn?: string;
  /** Cluster name from the cluster ARN, or `unknown`. */
  cluster: string;
  region?: string;
  account?: string;
  /** Event time (ISO-8601), when the envelope has it. */
  time?: string;
  /** `service:NAME` or `family:NAME` (or anything ECS sends next). */
  group?: string;
  /** Service name when the task belongs to a service. */
  service?: string;
  /** Task definition family (from `group` or the task definition ARN). */
  family?: string;
  revision?: number;
  taskDefinitionArn?: string;
  launchType?: string;
  capacityProviderName?: string;
  availabilityZone?: string;
  startedBy?: string;
  lastStatus?: string;
  desiredStatus?: string;
  stopCode?: string;
  stoppedReason?: string;
  stoppedAt?: string;
  /** `detail.version` as a string; duplicates of one state change carry the same version. */
  version?: string;
  containers: TaskContainer[];
  environment: EnvironmentOverride[];
}

export interface EventIssue {
  path: string;
  message: string;
}

export type ParsedTaskEvent =
  { ok: true; stop: TaskStop } | { ok: false; issues: EventIssue[]; taskArn?: string };

/** Reads an EventBridge event as a task state change; never throws. */
export function parseTaskEvent(raw: unknown): ParsedTaskEvent {
  const result = EnvelopeSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.') || '(event)',
      message: issue.message,
    }));
    // Named in the log line only when it could be a real one: an over-long ARN is the problem itself.
    const taskArn = z
      .object({
        detail: z.object({
          taskArn: z.string().refine((arn) => utf8Bytes(arn) <= EVENT_FIELD_MAX_BYTES.taskArn),
        }),
      })
      .safeParse(raw).data?.detail.taskArn;
    return { ok: false, issues, ...(taskArn ? { taskArn } : {}) };
  }
  const { detail, ...envelope } = result.data;
  const group = detail.group;
  const groupKind = group?.split(':', 1)[0];
  const groupName = group && group.includes(':') ? group.slice(group.indexOf(':') + 1) : undefined;
  const definition = parseTaskDefinitionArn(detail.taskDefinitionArn);
  const stop: TaskStop = {
    taskArn: detail.taskArn,
    taskId: lastSegment(detail.taskArn),
    cluster: detail.clusterArn ? lastSegment(detail.clusterArn) : 'unknown',
    containers: (detail.containers ?? []).flatMap((c, i) => {
      const parsed = ContainerSchema.safeParse(c);
      if (!parsed.success) return [];
      return [withoutUndefined({ ...pick(parsed.data), name: parsed.data.name ?? `container-${i + 1}` })];
    }),
    environment: environmentOverrides(detail.overrides?.containerOverrides ?? []),
  };
  const set = <K extends keyof TaskStop>(key: K, value: TaskStop[K] | undefined) => {
    if (value !== undefined) stop[key] = value;
  };
  set('clusterArn', detail.clusterArn);
  set('region', envelope.region ?? arnPart(detail.taskArn, 3));
  set('account', envelope.account ?? arnPart(detail.taskArn, 4));
  set('time', envelope.time);
  set('group', group);
  set('service', groupKind === 'service' ? groupName : undefined);
  set('family', (groupKind === 'family' ? groupName : undefined) ?? definition?.family);
  set('revision', definition?.revision);
  set('taskDefinitionArn', detail.taskDefinitionArn);
  set('launchType', detail.launchType);
  set('capacityProviderName', detail.capacityProviderName);
  set('availabilityZone', detail.availabilityZone);
  set('startedBy', detail.startedBy);
  set('lastStatus', detail.lastStatus);
  set('desiredStatus', detail.desiredStatus);
  set('stopCode', detail.stopCode);
  set('stoppedReason', detail.stoppedReason);
  set('stoppedAt', detail.stoppedAt);
  set('version', detail.version === undefined ? undefined : String(detail.version));
  return { ok: true, stop };
}

function pick(c: z.output<typeof ContainerSchema>): Omit<TaskContainer, 'name'> {
  return {
    exitCode: c.exitCode,
    reason: c.reason,
    lastStatus: c.lastStatus,
    healthStatus: c.healthStatus,
    image: c.image,
  };
}

function environmentOverrides(overrides: unknown[]): EnvironmentOverride[] {
  return overrides.flatMap((o, i) => {
    const parsed = ContainerOverrideSchema.safeParse(o);
    if (!parsed.success) return [];
    const container = parsed.data.name ?? `container-${i + 1}`;
    return (parsed.data.environment ?? []).flatMap((e) => {
      const entry = EnvironmentEntrySchema.safeParse(e);
      if (!entry.success) return [];
      const value = entry.data.value === undefined ? undefined : String(entry.data.value);
      return [{ container, name: entry.data.name ?? '(unnamed)', ...(value === undefined ? {} : { value }) }];
    });
  });
}

/** `family` and `revision` of `arn:...:task-definition/FAMILY:REVISION` (or a bare `FAMILY:REVISION`). */
export function parseTaskDefinitionArn(
  arn: string | undefined,
): { family: string; revision?: number } | undefined {
  if (!arn) return undefined;
  const match = /^(?:.*task-definition\/)?([A-Za-z0-9_-]+)(?::(\d+))?$/.exec(arn);
  if (!match?.[1]) return undefined;
  return { family: match[1], ...(match[2] ? { revision: Number(match[2]) } : {}) };
}

function lastSegment(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1) || arn;
}

function arnPart(arn: string, index: number): string | undefined {
  if (!arn.startsWith('arn:')) return undefined;
  return arn.split(':')[index] || undefined;
}

function withoutUndefined<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = v;
  return out as T;
}
