/**
 * The input of a scheduled-task execution, as BeginRun (functions/schedules/begin-run.ts) reads it:
 * the spec, the trigger, and the slot (Scheduler's scheduled time) or the manual request. Built in
 * one place so the Scheduler target, the manual runs of the API and BeginRun cannot drift apart.
 */
import type { ScheduleSpec } from './schedule-spec';

/** Scheduler's context attribute, replaced by the slot's time (`2027-03-15T06:30:00Z`) at each delivery. */
export const SCHEDULED_TIME_PLACEHOLDER = '<aws.scheduler.scheduled-time>';

export interface ScheduledRunInput {
  spec: ScheduleSpec;
  trigger: 'schedule';
  scheduledTime: string;
}

export interface ManualRunInput {
  spec: ScheduleSpec;
  trigger: 'manual';
  /** When the run was asked for (ISO-8601 UTC): the run's slot. */
  requestedAt: string;
  /** The manual run id's suffix (run-id.ts, manualRunId). */
  runSuffix: string;
}

/** What every delivery of a schedule passes to the state machine (Scheduler fills the time in). */
export function scheduledRunInput(spec: ScheduleSpec): ScheduledRunInput {
  return { spec, trigger: 'schedule', scheduledTime: SCHEDULED_TIME_PLACEHOLDER };
}

/** What a manual run passes to the state machine. */
export function manualRunInput(spec: ScheduleSpec, requestedMs: number, runSuffix: string): ManualRunInput {
  return { spec, trigger: 'manual', requestedAt: new Date(requestedMs).toISOString(), runSuffix };
}
