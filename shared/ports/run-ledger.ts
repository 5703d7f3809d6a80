/** The run ledger: every run of every schedule, and the per-schedule guard against overlap. */
import type { RunOutcome } from '../domain/schedules/attempt';
import type { AlertDelivery, RunClaim, RunRecord } from '../domain/schedules/run-record';

export type ClaimResult = { claimed: true } | { claimed: false; existing: RunRecord };

/** The guard (a lease per schedule): which run holds it and the task it runs. */
export interface Guard {
  runId: string;
  expiresAt: number;
  taskArn?: string;
}

export type GuardResult = { acquired: true; expiresAt: number } | { acquired: false; holder: Guard };

export interface RunLedger {
  /**
   * Writes the run's claim unless a record of that run exists: the first delivery of a slot
   * claims it, a duplicate gets the existing record. The same execution claiming again (a retried
   * step) gets `claimed: true`.
   */
  claimRun(claim: RunClaim): Promise<ClaimResult>;
  /**
   * Writes the run's final record over its claim, only for the execution that owns the run (or
   * when no claim exists). Returns false, changing nothing, when another execution owns it.
   */
  recordRun(record: RunRecord): Promise<boolean>;
  /** The run's record, or null (also once it has expired). */
  getRun(schedule: string, runId: string, slotAt: number, now: number): Promise<RunRecord | null>;
  /** The schedule's runs, newest slot first, expired ones left out. */
  listRuns(schedule: string, options: { now: number; limit?: number }): Promise<RunRecord[]>;
  /** The outcome of the latest finished run before `slotAt` (for recovery alerts), or null. */
  previousOutcome(schedule: string, slotAt: number, now: number): Promise<RunOutcome | null>;
  /** The schedule's runs whose slot is after `from` and at or before `to`, oldest first, expired ones left out. */
  runsBetween(schedule: string, window: { from: number; to: number }, now: number): Promise<RunRecord[]>;
  /**
   * Writes a record only if no record of that run exists (the missed-run reconcile's MISSED
   * record): false, changing nothing, when the slot has a record already.
   */
  recordIfAbsent(record: RunRecord): Promise<boolean>;
  /** Sets the alert delivery of an existing run record (a record gone meanwhile is left gone). */
  setAlertDelivery(
    run: Pick<RunRecord, 'schedule' | 'slotAt' | 'runId'>,
    delivery: AlertDelivery,
  ): Promise<void>;
  /** Up to when (epoch ms) the missed-run reconcile has compared the schedule's slots, or null. */
  missedCheckedUntil(schedule: string): Promise<number | null>;
  /** Moves the missed-run checkpoint forward to `until` (never back: a slower pass cannot undo a faster one). */
  setMissedCheckedUntil(schedule: string, until: number, expiresAt: number): Promise<void>;

  /** Takes the guard for `runId` when free, expired or already its own; otherwise names the holder. */
  acquireGuard(schedule: string, runId: string, leaseMs: number, now: number): Promise<GuardResult>;
  /** Hands the guard from `fromRunId` to `runId` (overlap: replace); false if `fromRunId` no longer holds it. */
  takeOverGuard(
    schedule: string,
    fromRunId: string,
    runId: string,
    leaseMs: number,
    now: number,
  ): Promise<boolean>;
  /** Notes the task the holder runs, so a replacing run can stop it; false if `runId` no longer holds the guard. */
  setGuardTask(schedule: string, runId: string, taskArn: string, now: number): Promise<boolean>;
  /** True while `runId` holds an unexpired guard. */
  holdsGuard(schedule: string, runId: string, now: number): Promise<boolean>;
  /** Releases the guard if `runId` holds it; false (no error) otherwise. */
  releaseGuard(schedule: string, runId: string): Promise<boolean>;
}
