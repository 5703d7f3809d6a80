/**
 * Greenlight's schedules in EventBridge Scheduler (one schedule group per stack). The spec lives in
 * the schedule's target input, which the state machine receives at every delivery: one copy, so
 * what list, history and suspend read is exactly what the next run will get.
 */
import { GreenlightError } from '../domain/errors';
import type { ScheduleSpec } from '../domain/schedules/schedule-spec';

/** A schedule as deployed. */
export interface DeployedSchedule {
  name: string;
  /** Scheduler's state: a DISABLED schedule fires nothing. */
  state: 'ENABLED' | 'DISABLED';
  /** The spec its target input carries (defaults applied); null when the input is not a valid spec. */
  spec: ScheduleSpec | null;
  /** Why `spec` is null (the field and what is wrong), e.g. after a hand edit of the input. */
  problem?: string;
  /**
   * Scheduler settings that differ from those Greenlight derives from `spec` (e.g. `state`,
   * `scheduleExpression`, `target.roleArn`): a hand edit an apply puts back.
   */
  drift: string[];
  /** When Scheduler last changed it (epoch ms), if it says. */
  lastModified?: number;
}

export interface Schedules {
  /** Every schedule of Greenlight's group, by name. */
  list(): Promise<DeployedSchedule[]>;
  /** The schedule, or null when it does not exist. */
  get(name: string): Promise<DeployedSchedule | null>;
  /** Creates the schedule of `spec`; ScheduleExistsError when one by that name exists. */
  create(spec: ScheduleSpec): Promise<void>;
  /** Replaces every setting of the schedule with those of `spec`; ScheduleNotFoundError when it does not exist. */
  update(spec: ScheduleSpec): Promise<void>;
  /** Deletes the schedule; false when it did not exist. */
  delete(name: string): Promise<boolean>;
}

/** A schedule by that name exists already (create). */
export class ScheduleExistsError extends GreenlightError {}

/** No schedule by that name (update). */
export class ScheduleNotFoundError extends GreenlightError {}
