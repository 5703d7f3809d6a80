/**
 * Whether a finished run is worth a message, and the message: one SNS publish per run at most,
 * with flat attributes subscribers filter on (`event: scheduled-run`, schedule, cluster, outcome,
 * severity), what failed, what to check next and the log links.
 */
import type { Severity } from '../alerts/classify';
import type { NotificationMessage } from '../alerts/message';
import type { RunOutcome } from './attempt';
import type { RunRecord } from './run-record';
import type { ScheduleSpec } from './schedule-spec';

export const SCHEDULED_RUN_EVENT = 'scheduled-run';

export type RunAlertKind = 'failure' | 'recovery' | 'missed' | 'skipped' | 'run';

export type RunAlertDecision =
  { send: false; why: string } | { send: true; kind: RunAlertKind; severity: Severity };

const FAILURES: readonly RunOutcome[] = ['FAILED', 'TIMED_OUT', 'FAILED_TO_START'];

/** True for the outcomes that count as a failed run (for alerts and recoveries). */
export const isFailedOutcome = (outcome: RunOutcome) => FAILURES.includes(outcome);

/**
 * Decides the alert for a run that ended with `outcome`, `previous` being the outcome of the run
 * before it (null when none): a failure, a missed slot and a recovery each have a switch; a run
 * that matches none of them is sent only under `onEveryRun`.
 */
export function decideRunAlert(
  policy: ScheduleSpec['alerts'],
  outcome: RunOutcome,
  previous: RunOutcome | null,
): RunAlertDecision {
  if (isFailedOutcome(outcome) && policy.onFailure) {
    return { send: true, kind: 'failure', severity: 'high' };
  }
  if (outcome === 'MISSED' && policy.onMissed) return { send: true, kind: 'missed', severity: 'high' };
  if (outcome === 'SUCCEEDED' && previous !== null && isFailedOutcome(previous) && policy.onRecovery) {
    return { send: true, kind: 'recovery', severity: 'info' };
  }
  if (outcome === 'SKIPPED' && policy.onSkipped) return { send: true, kind: 'skipped', severity: 'low' };
  if (policy.onEveryRun) {
    return {
      send: true,
      kind: 'run',
      severity: isFailedOutcome(outcome) || outcome === 'MISSED' ? 'high' : 'info',
    };
  }
  return { send: false, why: `no alert switch covers a ${outcome} run` };
}

/** What a person should look at first after a run like this one. */
function nextChecks(record: RunRecord): string[] {
  switch (record.outcome) {
    case 'FAILED':
      return ["the job's logs (links below) around its exit", 'recent changes to its image or its inputs'];
    case 'TIMED_OUT':
      return [
        'whether the job hangs or just needs longer (timeoutSeconds)',
        'its logs before it was stopped',
      ];
    case 'FAILED_TO_START':
      return [
        "the cluster's capacity (capacity provider, instance resources, Fargate availability in the subnets' zones)",
        'image pulls and secrets (TaskFailedToStart reasons)',
      ];
    case 'MISSED':
      return ['that the schedule is enabled in EventBridge Scheduler', "the schedules' dead-letter queue"];
    case 'SKIPPED':
      return ['why the previous run is still going (overlap: forbid)'];
    default:
      return [];
  }
}

/** The message of a run's alert. */
export function buildRunAlert(
  record: RunRecord,
  decision: { kind: RunAlertKind; severity: Severity },
): NotificationMessage {
  const outcome = record.outcome ?? 'FAILED';
  const heading =
    decision.kind === 'recovery'
      ? `Schedule ${record.schedule} recovered: run ${record.runId} SUCCEEDED after failed runs.`
      : `Schedule ${record.schedule}: run ${record.runId} ${outcome}.`;
  const codes = Object.entries(record.exitCodes).map(([name, code]) => `${name}=${code ?? 'none'}`);
  const links = Object.entries(record.logLinks).map(([name, url]) => `  ${name}: ${url}`);
  const checks = nextChecks(record);
  const lines = [
    heading,
    `Cluster: ${record.cluster}; slot: ${new Date(record.slotAt).toISOString()} (${record.trigger})`,
    ...(record.reason ? [`What happened: ${record.reason}`] : []),
    `Attempts: ${record.attempts.length}${record.durationMs !== undefined ? `; duration: ${Math.round(record.durationMs / 1000)} s` : ''}`,
    ...(codes.length > 0 ? [`Exit codes: ${codes.join(', ')}`] : []),
    ...(record.stopCode
      ? [`Stop: ${record.stopCode}${record.stoppedReason ? ` — ${record.stoppedReason}` : ''}`]
      : []),
    ...(record.failures.length > 0
      ? [
          `RunTask failures: ${record.failures.map((f) => f.reason + (f.detail ? ` (${f.detail})` : '')).join('; ')}`,
        ]
      : []),
    ...(checks.length > 0 ? ['Check next:', ...checks.map((c) => `  - ${c}`)] : []),
    ...(links.length > 0 ? ['Logs:', ...links] : []),
  ];
  return {
    // One run, one alert: a retried notify step re-sends the same id.
    id: `${record.schedule}/${record.runId}/${outcome}`,
    subject:
      `greenlight: schedule ${record.schedule} ${decision.kind === 'recovery' ? 'recovered' : outcome}`.slice(
        0,
        100,
      ),
    message: lines.join('\n'),
    attributes: {
      event: SCHEDULED_RUN_EVENT,
      schedule: record.schedule,
      cluster: record.cluster,
      outcome,
      severity: decision.severity,
    },
    detail: {
      kind: decision.kind,
      schedule: record.schedule,
      runId: record.runId,
      outcome,
      reason: record.reason ?? null,
      attempts: record.attempts.length,
      taskArns: record.taskArns,
      exitCodes: record.exitCodes,
      stopCode: record.stopCode ?? null,
      stoppedReason: record.stoppedReason ?? null,
      failures: record.failures,
      logLinks: record.logLinks,
      durationMs: record.durationMs ?? null,
    },
  };
}
