/**
 * The missed-run reconcile (scheduled): for each enabled schedule of Greenlight's group, the slots
 * since its last check that the run ledger has no run for, once their starting deadline has passed
 * (Scheduler disabled by hand or throttled, a delivery that went to the dead-letter queue). Each is
 * recorded MISSED once, under the slot's own run id, and announced per the schedule's alert policy.
 *
 * Why a conditional put on the slot's run id is enough: a delivery of the slot claims that same
 * key (BeginRun), so whichever comes first wins and the other finds the record. A delivery that
 * claims after this record was written is past the deadline anyway (the reconcile only looks at
 * slots whose deadline has passed), where BeginRun would have decided MISSED itself; a run that
 * started late but within the deadline has its claim in the ledger and is not missed.
 *
 * Why the alert has its own state on the record: the record is written first and the alert sent
 * after, so a send that fails would otherwise be lost (the next pass finds the record and moves
 * on). The record is written with its alert PENDING; a pass that sends it marks it SENT, one that
 * fails counts the attempt, and later passes resend PENDING alerts of the schedule's recent
 * records until MAX_ALERT_ATTEMPTS, then mark them GAVE_UP (logged). Delivery is at least once: a
 * send that succeeded but could not be marked SENT is sent again on the next pass.
 */
import { deliveryAfter, MAX_DELIVERY_ATTEMPTS } from '../../shared/domain/delivery';
import { emptyHistory } from '../../shared/domain/schedules/retry-policy';
import { missedRuns } from '../../shared/domain/schedules/missed-runs';
import { parseExpression } from '../../shared/domain/schedules/expression';
import { decideRunAlert } from '../../shared/domain/schedules/run-alert';
import { finalRecord, type AlertDelivery, type RunRecord } from '../../shared/domain/schedules/run-record';
import { slotRunId } from '../../shared/domain/schedules/run-id';
import type { ScheduleSpec } from '../../shared/domain/schedules/schedule-spec';
import { lambdaHandler, type Logger } from '../../shared/lambda';
import type { Clock, Notifier } from '../../shared/ports';
import type { RunLedger } from '../../shared/ports/run-ledger';
import type { DeployedSchedule, Schedules } from '../../shared/ports/schedules';
import { sendRunAlert } from './notify-run';

/** The `execution` of a record the reconcile writes: no Step Functions execution owns it. */
export const RECONCILE_EXECUTION = 'greenlight-missed-run-reconcile';
/** How far back the first check of a schedule looks (when the ledger has no checkpoint for it). */
export const FIRST_CHECK_LOOKBACK_MS = 24 * 60 * 60_000;
/** The checkpoint outlives any gap between two checks (AWS TTL; a lost one only means a first check again). */
const CHECKPOINT_TTL_MS = 30 * 24 * 60 * 60_000;
/** Sends of one MISSED record's alert, one per pass (every 5 minutes), before giving up. */
export const MAX_ALERT_ATTEMPTS = MAX_DELIVERY_ATTEMPTS;
/** How many of a schedule's latest records a pass looks through for alerts still pending. */
const PENDING_LOOKBACK = 20;

export interface ReconcileMissedDeps {
  schedules: Pick<Schedules, 'list'>;
  ledger: RunLedger;
  notifier: Notifier;
  clock: Clock;
  logger: Logger;
}

export interface MissedSlot {
  schedule: string;
  runId: string;
  slotAt: string;
  /** The alert went out (false: the policy asks for none). */
  alerted: boolean;
}

export interface ReconcileMissedReport {
  /** Schedules compared with the ledger. */
  checked: number;
  /** MISSED records written by this pass. */
  missed: MissedSlot[];
  /** Slots found without a run whose record appeared before this pass's write (a late claim, another pass). */
  alreadyRecorded: number;
  /** Schedules whose window held more slots than one pass compares: the rest wait for the next pass. */
  truncated: string[];
  /** Schedules not compared, or compared only in part, with why (tried again on the next pass). */
  skipped: { schedule: string; reason: string }[];
  /** Alerts of MISSED records written by an earlier pass, sent by this one. */
  alertsResent: string[];
  /** Alert sends that failed in this pass (run id, attempts so far, whether they are tried again). */
  alertsFailed: { runId: string; attempts: number; retried: boolean; reason: string }[];
}

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The missed-run record of `slotAt`: no task, no attempts, outcome MISSED, its alert PENDING if one is due. */
export function missedRecord(spec: ScheduleSpec, slotAt: number, now: number): RunRecord {
  const record = finalRecord({
    claim: {
      schedule: spec.name,
      runId: slotRunId(spec.name, slotAt),
      trigger: 'schedule',
      slotAt,
      execution: RECONCILE_EXECUTION,
      cluster: spec.cluster,
      startedAt: now,
      expiresAt: now,
    },
    history: emptyHistory(),
    outcome: 'MISSED',
    reason: `no run of this slot began within its starting deadline of ${spec.startingDeadlineSeconds} s (found by the missed-run reconcile)`,
    endedAt: now,
    historyTtlDays: spec.historyTtlDays,
  });
  const alertDue = decideRunAlert(spec.alerts, 'MISSED', null).send;
  return alertDue ? { ...record, alertDelivery: { state: 'PENDING', attempts: 0 } } : record;
}

/**
 * One send of a MISSED record's alert, its outcome written back on the record. True when sent.
 * Never throws: a failed send is counted and reported, and retried by a later pass.
 */
async function deliverAlert(
  deps: ReconcileMissedDeps,
  spec: ScheduleSpec,
  record: RunRecord,
  report: ReconcileMissedReport,
): Promise<boolean> {
  let delivery: AlertDelivery;
  let sent = false;
  try {
    sent = (await sendRunAlert(deps.notifier, { ...record, outcome: 'MISSED' }, spec.alerts, null)).sent;
    delivery = deliveryAfter(record.alertDelivery, null, MAX_ALERT_ATTEMPTS);
  } catch (error) {
    delivery = deliveryAfter(record.alertDelivery, reasonOf(error), MAX_ALERT_ATTEMPTS);
    const { attempts } = delivery;
    const retried = delivery.state === 'PENDING';
    report.alertsFailed.push({ runId: record.runId, attempts, retried, reason: reasonOf(error) });
    deps.logger.warn(retried ? 'missed-run alert failed; retried next pass' : 'missed-run alert given up', {
      schedule: spec.name,
      runId: record.runId,
      attempts,
      error: reasonOf(error),
    });
  }
  try {
    await deps.ledger.setAlertDelivery(record, delivery);
  } catch (error) {
    // Left PENDING: a sent alert goes out again next pass, a failed one is tried again.
    deps.logger.warn('missed-run alert state not saved', {
      schedule: spec.name,
      runId: record.runId,
      error: reasonOf(error),
    });
  }
  return sent;
}

/** Sends again the alerts of this schedule's recent MISSED records still PENDING. */
async function resendPending(
  deps: ReconcileMissedDeps,
  spec: ScheduleSpec,
  report: ReconcileMissedReport,
  now: number,
): Promise<void> {
  const recent = await deps.ledger.listRuns(spec.name, { now, limit: PENDING_LOOKBACK });
  const pending = recent.filter(
    (r) => r.execution === RECONCILE_EXECUTION && r.alertDelivery?.state === 'PENDING',
  );
  for (const record of pending.reverse()) {
    if (await deliverAlert(deps, spec, record, report)) report.alertsResent.push(record.runId);
  }
}

/**
 * Where a rate schedule's slots fall: its interval counts from its start, which Scheduler does not
 * return, so the phase is taken from a run it did deliver (its slot is a real one), else from when
 * the schedule last changed; with neither, the schedule is not checked rather than guessed.
 */
async function rateStart(
  deps: ReconcileMissedDeps,
  schedule: DeployedSchedule,
  inWindow: RunRecord[],
  now: number,
): Promise<number | undefined> {
  const delivered = (runs: RunRecord[]) =>
    runs.find((r) => r.trigger === 'schedule' && r.execution !== RECONCILE_EXECUTION)?.slotAt;
  return (
    delivered(inWindow) ??
    delivered(await deps.ledger.listRuns(schedule.name, { now, limit: 20 })) ??
    schedule.lastModified
  );
}

async function checkSchedule(
  deps: ReconcileMissedDeps,
  schedule: DeployedSchedule,
  spec: ScheduleSpec,
  report: ReconcileMissedReport,
): Promise<void> {
  const now = deps.clock.now();
  // Before this pass's own records: each record gets at most one send per pass.
  await resendPending(deps, spec, report, now);
  const checkpoint = await deps.ledger.missedCheckedUntil(spec.name);
  // Slots before the schedule's last change are not its to miss: it did not exist, or ran under
  // another expression, or was suspended (resuming is a change).
  const from = Math.max(checkpoint ?? now - FIRST_CHECK_LOOKBACK_MS, schedule.lastModified ?? -Infinity);
  const window = { from, to: now };
  const enabled = schedule.state === 'ENABLED' && spec.enabled;
  const runs = enabled ? await deps.ledger.runsBetween(spec.name, window, now) : [];
  let startDate: number | undefined;
  if (enabled && parseExpression(spec.expression).kind === 'rate') {
    startDate = await rateStart(deps, schedule, runs, now);
    if (startDate === undefined) {
      report.skipped.push({ schedule: spec.name, reason: 'a rate schedule with no known start' });
      return;
    }
  }
  const result = missedRuns({
    spec: { ...spec, enabled },
    window,
    runs,
    now,
    ...(startDate !== undefined ? { startDate } : {}),
  });
  if (result.truncated) report.truncated.push(spec.name);
  let checkedUntil = result.checkedUntil;
  for (const slotAt of result.missed) {
    const record = missedRecord(spec, slotAt, now);
    try {
      const written = await deps.ledger.recordIfAbsent(record);
      if (!written) {
        report.alreadyRecorded += 1;
        continue;
      }
      // Written first, then announced: the ledger keeps the slot exactly once; an alert that
      // fails here stays PENDING on the record and a later pass sends it.
      const missed: MissedSlot = {
        schedule: spec.name,
        runId: record.runId,
        slotAt: new Date(slotAt).toISOString(),
        alerted: false,
      };
      report.missed.push(missed);
      deps.logger.warn('missed run recorded', { schedule: spec.name, runId: record.runId });
      if (record.alertDelivery) missed.alerted = await deliverAlert(deps, spec, record, report);
    } catch (error) {
      report.skipped.push({ schedule: spec.name, reason: `slot ${record.runId}: ${reasonOf(error)}` });
      // The record write may not have happened: the next pass compares this slot again.
      if (!report.missed.some((m) => m.runId === record.runId)) {
        checkedUntil = Math.min(checkedUntil, slotAt - 1);
        break;
      }
    }
  }
  if (checkedUntil > window.from)
    await deps.ledger.setMissedCheckedUntil(spec.name, checkedUntil, now + CHECKPOINT_TTL_MS);
}

/** One pass over every schedule of the group. */
export async function reconcileMissedRuns(deps: ReconcileMissedDeps): Promise<ReconcileMissedReport> {
  const report: ReconcileMissedReport = {
    checked: 0,
    missed: [],
    alreadyRecorded: 0,
    truncated: [],
    skipped: [],
    alertsResent: [],
    alertsFailed: [],
  };
  const schedules = await deps.schedules.list();
  for (const schedule of schedules) {
    if (!schedule.spec) {
      report.skipped.push({
        schedule: schedule.name,
        reason: `no valid spec: ${schedule.problem ?? 'unknown'}`,
      });
      continue;
    }
    try {
      await checkSchedule(deps, schedule, schedule.spec, report);
      report.checked += 1;
    } catch (error) {
      report.skipped.push({ schedule: schedule.name, reason: reasonOf(error) });
    }
  }
  if (
    report.missed.length > 0 ||
    report.skipped.length > 0 ||
    report.truncated.length > 0 ||
    report.alertsResent.length > 0 ||
    report.alertsFailed.length > 0
  )
    deps.logger.warn('missed-run reconcile acted', { ...report });
  return report;
}

export const createReconcileMissedHandler = (deps: ReconcileMissedDeps) =>
  lambdaHandler(deps.logger, () => reconcileMissedRuns(deps));
