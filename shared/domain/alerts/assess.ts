/** From a raw EventBridge event to "alert or not, and why": the decisions before any I/O. */
import { classifyStop, type Classification } from './classify';
import { notEnriched, type Enrichment } from './enrichment';
import { buildStopAlert, type AlertMessage } from './message';
import { clusterSelected, shouldAlert, type AlertPolicy } from './policy';
import { isScheduledStartedBy } from '../schedules/task-request';
import { parseTaskEvent, type EventIssue, type TaskStop } from './task-event';

export type Assessment =
  /** Not a usable task state change: log and skip (a throw would only make Lambda retry it). */
  | { status: 'malformed'; issues: EventIssue[]; taskArn?: string }
  /** A state change before the task has stopped (e.g. desiredStatus STOPPED): the STOPPED one follows. */
  | { status: 'not-stopped'; stop: TaskStop }
  | { status: 'cluster-not-selected'; stop: TaskStop }
  /**
   * A task a Greenlight schedule started: the scheduled-task workflow judges and alerts on its run
   * (exit codes, retries, run-time limit), so this alert would say the same failure twice.
   */
  | { status: 'scheduled-run'; stop: TaskStop }
  /** Stopped, classified, and not worth a message under the policy (expected stops by default). */
  | { status: 'not-alerted'; stop: TaskStop; classification: Classification }
  | { status: 'alert'; stop: TaskStop; classification: Classification };

/** Parses, filters and classifies one event. Never throws. */
export function assessTaskEvent(
  raw: unknown,
  policy: Pick<AlertPolicy, 'clusters' | 'includeExpected'>,
): Assessment {
  const parsed = parseTaskEvent(raw);
  if (!parsed.ok)
    return {
      status: 'malformed',
      issues: parsed.issues,
      ...(parsed.taskArn ? { taskArn: parsed.taskArn } : {}),
    };
  const { stop } = parsed;
  if (stop.lastStatus !== 'STOPPED') return { status: 'not-stopped', stop };
  if (!clusterSelected(stop, policy.clusters)) return { status: 'cluster-not-selected', stop };
  if (isScheduledStartedBy(stop.startedBy)) return { status: 'scheduled-run', stop };
  const classification = classifyStop(stop);
  return shouldAlert(classification, policy)
    ? { status: 'alert', stop, classification }
    : { status: 'not-alerted', stop, classification };
}

export interface Explanation {
  assessment: Assessment;
  /** What the handler would publish for a first stop, not enriched; null when it would publish nothing. */
  alert: AlertMessage | null;
  /** Why nothing would be published, or what was left out. */
  note: string;
}

/**
 * What `greenlight alerts explain` shows: the alert a first stop of this task would send, built
 * without AWS. Dedupe and crash-loop digests need the alert store, so they are not applied.
 */
export function explainTaskEvent(
  raw: unknown,
  policy: Pick<AlertPolicy, 'clusters' | 'includeExpected' | 'envAllowList'>,
  enrichment: Enrichment = notEnriched('explained offline, without AWS'),
): Explanation {
  const assessment = assessTaskEvent(raw, policy);
  switch (assessment.status) {
    case 'malformed':
      return {
        assessment,
        alert: null,
        note: `not an ECS Task State Change event the handler can use (it would log and skip it): ${assessment.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      };
    case 'not-stopped':
      return {
        assessment,
        alert: null,
        note: `lastStatus is ${assessment.stop.lastStatus ?? 'missing'}${assessment.stop.desiredStatus === 'STOPPED' ? ' (desiredStatus STOPPED: the task is stopping)' : ''}; only the lastStatus STOPPED event alerts`,
      };
    case 'cluster-not-selected':
      return {
        assessment,
        alert: null,
        note: `cluster ${assessment.stop.cluster} is not in the configured clusters`,
      };
    case 'scheduled-run':
      return {
        assessment,
        alert: null,
        note: `started by a Greenlight schedule (${assessment.stop.startedBy}): its run is judged and alerted by the scheduled-task workflow, not here`,
      };
    case 'not-alerted':
      return {
        assessment,
        alert: null,
        note: `${assessment.classification.category} is an expected stop, not alerted by default (ALERT_INCLUDE_EXPECTED=true alerts on it)`,
      };
    case 'alert':
      return {
        assessment,
        alert: buildStopAlert({ ...assessment, enrichment, policy }),
        note: 'as the first stop of this task (dedupe and crash-loop digests need the alert store and are not applied here)',
      };
  }
}
