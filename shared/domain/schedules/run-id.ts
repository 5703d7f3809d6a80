/**
 * The id of one run of a schedule: derived from the schedule's name and its slot (the scheduled
 * time EventBridge Scheduler passes as `<aws.scheduler.scheduled-time>`), so every delivery of one
 * slot names the same run and the run ledger's conditional claim lets only the first one start a
 * task. A manual run gets its own id from the time it was asked for and a caller-chosen suffix.
 *
 * The id is also a valid Step Functions execution name wherever Greenlight starts the execution
 * itself (manual runs, the local scheduler): at most 80 characters of `[0-9A-Za-z_-]`, the set
 * execution names must keep to when the state machine logs to CloudWatch Logs. Scheduler cannot
 * name the executions it starts: its Step Functions target has no name field, and a universal
 * `sfn:startExecution` target could only pass the scheduled time verbatim, whose `:` execution
 * names forbid. Hence the claim in the ledger rather than execution-name idempotency.
 */
import { InvalidInputError } from '../errors';

/** Step Functions' limit on execution names. */
export const MAX_RUN_ID_LENGTH = 80;
/** `20270315T063000Z`: the slot, to the second, in UTC. */
const STAMP_LENGTH = 16;
const MAX_MANUAL_SUFFIX = 12;
/** Room for the schedule's part: the id less `_<stamp>` and `_m<suffix>`. */
const MAX_NAME_PART = MAX_RUN_ID_LENGTH - 1 - STAMP_LENGTH - 2 - MAX_MANUAL_SUFFIX;
const HASH_LENGTH = 8;
const SAFE_NAME = /^[0-9A-Za-z_-]+$/;

/** A scheduled time Scheduler sends: `2027-03-15T06:30:00Z` (milliseconds accepted and kept). */
const SCHEDULED_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?Z$/;

/** FNV-1a, 32 bits, as 8 hex digits: a short, stable fingerprint of the full schedule name. */
function fingerprint(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(HASH_LENGTH, '0');
}

/**
 * The schedule name as it appears in run ids: unchanged when it is short enough and uses only
 * execution-name characters; otherwise cut, with `.` turned into `-`, and suffixed with a
 * fingerprint of the whole name, so two schedules never share a run id (`a.b` and `a-b` differ).
 */
export function runIdNamePart(schedule: string): string {
  if (schedule.length <= MAX_NAME_PART && SAFE_NAME.test(schedule)) return schedule;
  const cleaned = schedule.replace(/[^0-9A-Za-z_-]/g, '-');
  return `${cleaned.slice(0, MAX_NAME_PART - HASH_LENGTH - 1)}-${fingerprint(schedule)}`;
}

/** `20270315T063000Z` for an instant (the seconds are kept, the milliseconds dropped). */
export function slotStamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** Parses Scheduler's `<aws.scheduler.scheduled-time>`; throws naming `field` when it is not one. */
export function parseScheduledTime(text: unknown, field = 'scheduledTime'): number {
  const match = typeof text === 'string' ? SCHEDULED_TIME.exec(text) : null;
  const ms = match ? Date.parse(text as string) : NaN;
  if (!match || Number.isNaN(ms) || new Date(ms).getUTCDate() !== Number(match[3])) {
    const message = `expected a UTC time such as 2027-03-15T06:30:00Z, got ${JSON.stringify(text)}`;
    throw new InvalidInputError(`${field}: ${message}`, [{ path: field, message }]);
  }
  return ms;
}

/** The run of `schedule` for the slot at `slotMs`: the same for every delivery of that slot. */
export function slotRunId(schedule: string, slotMs: number): string {
  return `${runIdNamePart(schedule)}_${slotStamp(slotMs)}`;
}

/**
 * A manual run asked for at `requestedMs`, told apart from a slot of the same second by its
 * suffix (1–12 of `[0-9a-z]`, e.g. random, chosen by the caller).
 */
export function manualRunId(schedule: string, requestedMs: number, suffix: string): string {
  if (!/^[0-9a-z]{1,12}$/.test(suffix)) {
    const message = `expected 1–${MAX_MANUAL_SUFFIX} lowercase letters or digits, got ${JSON.stringify(suffix)}`;
    throw new InvalidInputError(`runSuffix: ${message}`, [{ path: 'runSuffix', message }]);
  }
  return `${runIdNamePart(schedule)}_${slotStamp(requestedMs)}_m${suffix}`;
}

/** True when `id` can be used as a run id and a Step Functions execution name. */
export function isRunId(id: string): boolean {
  return id.length >= 1 && id.length <= MAX_RUN_ID_LENGTH && SAFE_NAME.test(id);
}
