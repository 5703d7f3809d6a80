/**
 * What an alert adds to the event when AWS can be asked: the task definition's log settings (for a
 * CloudWatch Logs link per container) and the Greenlight deployment running on the service.
 * Each source is optional: when it cannot be read, the alert says "not enriched" and why.
 */
import type { TaskStop } from './task-event';

/** Only the `awslogs` options needed for a link: other log drivers' options may hold tokens (splunk-token). */
export interface ContainerLogSettings {
  driver: string;
  group?: string;
  region?: string;
  streamPrefix?: string;
}

/** A task definition revision, reduced to what alerts use. Revisions are immutable: cache freely. */
export interface TaskDefinitionSummary {
  taskDefinitionArn: string;
  family: string;
  revision: number;
  containers: { name: string; essential: boolean; logs?: ContainerLogSettings }[];
}

/** A Greenlight deployment holding the service's lock. */
export interface RunningDeployment {
  id: string;
  /** Its latest history event, e.g. `STEP_STARTED: step 2 of 3: 25 % to green`; null when none yet. */
  step: string | null;
}

export type Enriched<T> = { status: 'enriched'; value: T } | { status: 'not-enriched'; reason: string };

export interface Enrichment {
  taskDefinition: Enriched<TaskDefinitionSummary>;
  deployment: Enriched<RunningDeployment | null>;
}

export const notEnriched = (reason: string): Enrichment => ({
  taskDefinition: { status: 'not-enriched', reason },
  deployment: { status: 'not-enriched', reason },
});

export interface ContainerLogLink {
  group: string;
  region: string;
  /** Absent when the stream name cannot be known (awslogs without a stream prefix names streams by container id). */
  stream?: string;
  url: string;
}

/** CloudWatch Logs links per container name, for containers logging with `awslogs`. */
export function containerLogLinks(
  stop: TaskStop,
  summary: TaskDefinitionSummary,
): Record<string, ContainerLogLink> {
  const links: Record<string, ContainerLogLink> = {};
  for (const container of summary.containers) {
    const logs = container.logs;
    if (!logs || logs.driver !== 'awslogs' || !logs.group) continue;
    const region = logs.region ?? stop.region;
    if (!region) continue;
    // awslogs names a stream prefix/container-name/task-id when a prefix is set.
    const stream = logs.streamPrefix ? `${logs.streamPrefix}/${container.name}/${stop.taskId}` : undefined;
    links[container.name] = {
      group: logs.group,
      region,
      ...(stream ? { stream } : {}),
      url: cloudWatchLogsUrl(region, logs.group, stream),
    };
  }
  return links;
}

/** The CloudWatch console page of a log group, or of one stream in it. */
export function cloudWatchLogsUrl(region: string, group: string, stream?: string): string {
  const base = `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${encodeURIComponent(region)}#logsV2:log-groups/log-group/${consoleEncode(group)}`;
  return stream ? `${base}/log-events/${consoleEncode(stream)}` : base;
}

/** The console's fragment encoding: URI-encoded twice, with `%` written as `$`. */
function consoleEncode(value: string): string {
  return encodeURIComponent(encodeURIComponent(value)).replace(/%/g, '$');
}
