/**
 * The messages people receive: a short subject, a readable body, a structured JSON detail and
 * flat attributes for SNS subscription filter policies (event, kind, cluster, service, family,
 * category, severity). Environment override values are redacted, then scrubbed from everything.
 */
import { CATEGORY_INFO, type Classification, type Severity } from './classify';
import { containerLogLinks, type ContainerLogLink, type Enrichment } from './enrichment';
import { scopeName, windowKey, type AlertPolicy } from './policy';
import { maskedValues, redactEnvironment, scrubSecrets } from './redact';
import type { TaskStop } from './task-event';
import {
  categorySummary,
  digestHeadline,
  digestSeverity,
  rankedCategories,
  type WindowSnapshot,
} from './window';

/**
 * A message people receive, stopped-task alert or deployment notification (deployment-message.ts).
 * Structurally the Notifier port's Notification; the domain does not depend on ports.
 */
export interface NotificationMessage {
  id?: string;
  subject: string;
  message: string;
  attributes: Record<string, string>;
  detail: Record<string, unknown>;
}

/** A stopped-task message. */
export type AlertMessage = NotificationMessage;

/** The `event` attribute of every stopped-task message. */
export const TASK_STOPPED_EVENT = 'task-stopped';

export interface StopAlertInput {
  stop: TaskStop;
  classification: Classification;
  enrichment: Enrichment;
  policy: Pick<AlertPolicy, 'envAllowList'>;
}

export interface DigestInput {
  /** A stop of the window's service: it names the scope (cluster, service or family). */
  stop: TaskStop;
  window: WindowSnapshot;
  /** The window has closed: this is its final tally. */
  final: boolean;
  /** What closed it: the service's next stop (the default), or its end with no stop after it (the sweeper). */
  closedBy?: 'next-stop' | 'window-end';
  policy: Pick<AlertPolicy, 'envAllowList' | 'digestThreshold' | 'windowMs'>;
  /** The stop that reached the threshold, shown in full (not for final tallies). */
  latest?: Omit<StopAlertInput, 'policy'>;
}

/** The full alert for one stopped task. */
export function buildStopAlert(input: StopAlertInput): AlertMessage {
  const { stop, classification: c } = input;
  const view = stopView(input);
  const name = scopeName(stop);
  const blamed = c.container
    ? ` (${c.container}${c.exitCode === undefined ? '' : `, exit ${c.exitCode}`})`
    : '';
  const subject = `[${c.severity}] ${name} (${stop.cluster}): ${CATEGORY_INFO[c.category].label}${blamed}`;
  const message = [
    `${name} on cluster ${stop.cluster}: task ${stop.taskId} stopped: ${CATEGORY_INFO[c.category].label} (severity ${c.severity}).`,
    '',
    `What happened: ${c.explanation}`,
    `Check next: ${c.nextCheck}`,
    '',
    ...view.lines,
  ].join('\n');
  return scrubSecrets(
    {
      id: `${TASK_STOPPED_EVENT}/${stop.taskId}/v${stop.version ?? '-'}`,
      subject,
      message,
      attributes: attributes(stop, { kind: 'alert', category: c.category, severity: c.severity }),
      detail: view.detail,
    },
    view.secrets,
  );
}

/** A digest of a service's stops in one window. */
export function buildDigest(input: DigestInput): AlertMessage {
  const { stop, window, final, policy } = input;
  const name = scopeName(stop);
  const severity = digestSeverity(window, policy.digestThreshold);
  const headline = digestHeadline(name, window);
  const nextDigest = nextDigestCount(window.count, policy.digestThreshold);
  const latest = input.latest ? stopView({ ...input.latest, policy }) : undefined;
  const lead = input.latest?.classification;
  const lines = [
    `${name} on cluster ${stop.cluster}: ${window.count} tasks stopped between ${time(window.startedAt)} and ${time(window.lastAt)} (${categorySummary(window)}).`,
    final
      ? input.closedBy === 'window-end'
        ? 'Final tally of this window: it ended with no further stop of the service.'
        : 'Final tally of this window: the next stop of the service opened a new one.'
      : `Crash loop: further stops are counted, not sent one by one; next digest at ${nextDigest} stops or when the ${Math.round(policy.windowMs / 60_000)}-minute window closes.`,
    '',
    'By category:',
    ...rankedCategories(window).map(([category, n]) => `  ${CATEGORY_INFO[category].label}: ${n}`),
    `Last stop: ${CATEGORY_INFO[window.lastCategory].label}${window.lastContainer ? `, container ${window.lastContainer}` : ''}${window.lastExitCode === null ? '' : `, exit ${window.lastExitCode}`}.`,
    ...(lead && latest
      ? [
          '',
          `Latest stop, task ${stop.taskId}:`,
          `What happened: ${lead.explanation}`,
          `Check next: ${lead.nextCheck}`,
          ...latest.lines,
        ]
      : []),
  ];
  const [dominant] = rankedCategories(window)[0] ?? [window.lastCategory];
  const detail = {
    kind: 'task-stopped-digest',
    final,
    severity,
    headline,
    scope: scopeDetail(stop),
    count: window.count,
    startedAt: time(window.startedAt),
    lastAt: time(window.lastAt),
    categories: window.categories,
    lastCategory: window.lastCategory,
    lastExitCode: window.lastExitCode,
    lastContainer: window.lastContainer,
    ...(final ? {} : { nextDigestAt: nextDigest }),
    ...(latest ? { latest: latest.detail } : {}),
  };
  return scrubSecrets(
    {
      id: `${TASK_STOPPED_EVENT}-digest/${fnv1a(windowKey(stop))}/${window.startedAt}/${window.count}`,
      subject: `[${severity}] ${headline.replace(`${name}:`, `${name} (${stop.cluster}):`)}`,
      message: lines.join('\n'),
      attributes: attributes(stop, { kind: 'digest', category: dominant, severity }),
      detail,
    },
    latest?.secrets ?? [],
  );
}

/** The stop's facts as body lines and JSON, and the secret values to scrub from both. */
function stopView(input: StopAlertInput): {
  lines: string[];
  detail: Record<string, unknown>;
  secrets: string[];
} {
  const { stop, classification: c, enrichment } = input;
  const environment = redactEnvironment(stop.environment, input.policy.envAllowList);
  const secrets = maskedValues(stop.environment, environment);
  const definition =
    enrichment.taskDefinition.status === 'enriched' ? enrichment.taskDefinition.value : undefined;
  const links: Record<string, ContainerLogLink> = definition ? containerLogLinks(stop, definition) : {};
  const essential = new Map(definition?.containers.map((d) => [d.name, d.essential]));

  const lines: string[] = [];
  const revision = stop.family
    ? `${stop.family}${stop.revision === undefined ? '' : `:${stop.revision}`}`
    : 'unknown';
  const placement = [
    stop.launchType,
    stop.capacityProviderName && `capacity provider ${stop.capacityProviderName}`,
    stop.availabilityZone,
  ]
    .filter(Boolean)
    .join(', ');
  lines.push(`Task definition: ${revision}${placement ? ` (${placement})` : ''}`);
  if (stop.startedBy) lines.push(`Started by: ${stop.startedBy}`);
  lines.push(`Stop code: ${stop.stopCode ?? 'none'}; stopped reason: ${stop.stoppedReason ?? 'none'}`);
  if (stop.containers.length > 0) {
    lines.push('Containers:');
    for (const container of stop.containers) {
      const exit = container.exitCode === undefined ? 'no exit code' : `exit ${container.exitCode}`;
      const role = essential.has(container.name)
        ? essential.get(container.name)
          ? ', essential'
          : ', not essential'
        : '';
      const health =
        container.healthStatus && container.healthStatus !== 'UNKNOWN' ? `, ${container.healthStatus}` : '';
      lines.push(
        `  - ${container.name}: ${exit}${role}${health}${container.reason ? `: ${container.reason}` : ''}`,
      );
      const link = links[container.name];
      if (link) lines.push(`    logs: ${link.url}`);
    }
  } else {
    lines.push('Containers: none reported');
  }
  if (enrichment.taskDefinition.status === 'not-enriched') {
    lines.push(`Logs: not enriched (${enrichment.taskDefinition.reason})`);
  } else if (Object.keys(links).length === 0) {
    lines.push('Logs: no awslogs log configuration in the task definition');
  }
  lines.push(`Greenlight deployment: ${deploymentLine(enrichment)}`);
  for (const container of new Set(environment.map((e) => e.container))) {
    const variables = environment.filter((e) => e.container === container).map((e) => `${e.name}=${e.value}`);
    lines.push(`Environment overrides (${container}): ${variables.join(', ')}`);
  }
  lines.push(`Task: ${stop.taskArn}${stop.version === undefined ? '' : ` (event version ${stop.version})`}`);

  const detail: Record<string, unknown> = {
    kind: 'task-stopped',
    category: c.category,
    severity: c.severity,
    expected: c.expected,
    explanation: c.explanation,
    nextCheck: c.nextCheck,
    ...(c.container ? { container: c.container } : {}),
    ...(c.exitCode === undefined ? {} : { exitCode: c.exitCode }),
    ...(c.targetGroup ? { targetGroup: c.targetGroup } : {}),
    ...(c.ecsDeployment ? { ecsDeployment: c.ecsDeployment } : {}),
    task: dropUndefined({
      arn: stop.taskArn,
      id: stop.taskId,
      ...scopeDetail(stop),
      region: stop.region,
      account: stop.account,
      revision: stop.revision,
      taskDefinitionArn: stop.taskDefinitionArn,
      launchType: stop.launchType,
      capacityProviderName: stop.capacityProviderName,
      availabilityZone: stop.availabilityZone,
      startedBy: stop.startedBy,
      stopCode: stop.stopCode,
      stoppedReason: stop.stoppedReason,
      stoppedAt: stop.stoppedAt,
      version: stop.version,
    }),
    containers: stop.containers.map((container) => ({
      ...container,
      ...(essential.has(container.name) ? { essential: essential.get(container.name) } : {}),
      ...(links[container.name] ? { logs: links[container.name] } : {}),
    })),
    environmentOverrides: environment,
    deployment: enrichment.deployment.status === 'enriched' ? enrichment.deployment.value : null,
    enrichment: {
      taskDefinition: enrichmentStatus(enrichment.taskDefinition),
      deployment: enrichmentStatus(enrichment.deployment),
    },
  };
  return { lines, detail: dropUndefined(detail), secrets };
}

function deploymentLine(enrichment: Enrichment): string {
  const d = enrichment.deployment;
  if (d.status === 'not-enriched') return `not enriched (${d.reason})`;
  if (!d.value) return 'none running on this service';
  return `${d.value.id} in progress${d.value.step ? ` (${d.value.step})` : ''}`;
}

function enrichmentStatus(e: { status: string; reason?: string }): string {
  return e.status === 'enriched' ? 'enriched' : `not enriched: ${e.reason ?? 'unknown reason'}`;
}

function scopeDetail(stop: TaskStop): Record<string, unknown> {
  return dropUndefined({
    cluster: stop.cluster,
    clusterArn: stop.clusterArn,
    group: stop.group,
    service: stop.service,
    family: stop.family,
  });
}

function attributes(
  stop: TaskStop,
  fields: { kind: 'alert' | 'digest'; category: string; severity: Severity },
): Record<string, string> {
  return dropUndefined({
    event: TASK_STOPPED_EVENT,
    kind: fields.kind,
    cluster: stop.cluster,
    service: stop.service,
    family: stop.family,
    category: fields.category,
    severity: fields.severity,
  }) as Record<string, string>;
}

function nextDigestCount(count: number, threshold: number): number {
  let mark = threshold;
  while (mark <= count) mark *= 10;
  return mark;
}

function time(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15
    ? new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
    : String(ms);
}

/** 32-bit FNV-1a, hex: a short, stable id part for long keys (SNS FIFO dedupe ids stop at 128 characters). */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

function dropUndefined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
