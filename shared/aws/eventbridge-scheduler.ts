/**
 * The Schedules port on EventBridge Scheduler: one schedule per spec in Greenlight's schedule
 * group, each a templated Step Functions target (StartExecution of the scheduled-task machine,
 * with SchedulerRole) whose input is the spec, the trigger and `<aws.scheduler.scheduled-time>`
 * (shared/domain/schedules/run-input.ts). The spec is kept only there: a read parses it back.
 *
 * What each schedule gets, and why:
 * - `ScheduleExpressionTimezone`: the spec's zone (cron and at are wall times in it).
 * - `FlexibleTimeWindow: OFF`: the slot is the time; a window would move it and the run id with it.
 * - `RetryPolicy`: `MaximumEventAgeInSeconds` = `startingDeadlineSeconds`, so Scheduler gives up on
 *   a delivery exactly when the run would be recorded MISSED; `MaximumRetryAttempts` 185 (the
 *   largest Scheduler takes), so the age, not a count, ends the retries. A retried delivery that
 *   did start an execution is harmless: BeginRun's ledger claim lets one execution per slot run.
 * - `DeadLetterConfig`: the stack's queue, for deliveries Scheduler gave up on.
 * - `State`: ENABLED unless the spec says `enabled: false` (suspend).
 * - `ActionAfterCompletion: NONE`: an at() schedule stays after it fired, so its runs stay listed.
 */
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  UpdateScheduleCommand,
  type CreateScheduleInput,
  type GetScheduleOutput,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { GreenlightError, InvalidInputError } from '../domain/errors';
import { scheduledRunInput } from '../domain/schedules/run-input';
import { parseScheduleSpec, type ScheduleSpec } from '../domain/schedules/schedule-spec';
import {
  ScheduleExistsError,
  ScheduleNotFoundError,
  type DeployedSchedule,
  type Schedules,
} from '../ports/schedules';
import { errorCode, normaliseAwsError } from './errors';

export class EventBridgeSchedulerError extends GreenlightError {}

/** Scheduler's largest MaximumRetryAttempts. */
export const MAX_RETRY_ATTEMPTS = 185;
/** GetSchedule calls a list makes at once (ListSchedules returns no target input). */
const GET_CONCURRENCY = 5;

export interface EventBridgeSchedulesOptions {
  client: SchedulerClient;
  /** Greenlight's schedule group (the stack creates it). */
  groupName: string;
  /** The scheduled-task state machine every schedule starts. */
  stateMachineArn: string;
  /** SchedulerRole: the schedules' execution role. */
  roleArn: string;
  /** The schedules' dead-letter queue (SQS ARN). */
  deadLetterArn: string;
}

/** The Scheduler settings Greenlight manages, by the name `drift` reports. */
type Managed = Record<string, unknown>;

export class EventBridgeSchedules implements Schedules {
  constructor(private readonly options: EventBridgeSchedulesOptions) {}

  /** The full CreateSchedule / UpdateSchedule input for `spec` (both take every setting). */
  scheduleInput(spec: ScheduleSpec): CreateScheduleInput {
    const { groupName, stateMachineArn, roleArn, deadLetterArn } = this.options;
    return {
      Name: spec.name,
      GroupName: groupName,
      ...(spec.description !== undefined ? { Description: spec.description } : {}),
      ScheduleExpression: spec.expression,
      ScheduleExpressionTimezone: spec.timezone,
      State: spec.enabled ? 'ENABLED' : 'DISABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'NONE',
      Target: {
        Arn: stateMachineArn,
        RoleArn: roleArn,
        Input: JSON.stringify(scheduledRunInput(spec)),
        RetryPolicy: {
          MaximumEventAgeInSeconds: spec.startingDeadlineSeconds,
          MaximumRetryAttempts: MAX_RETRY_ATTEMPTS,
        },
        DeadLetterConfig: { Arn: deadLetterArn },
      },
    };
  }

  async list(): Promise<DeployedSchedule[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.call('ListSchedules', () =>
        this.options.client.send(
          new ListSchedulesCommand({
            GroupName: this.options.groupName,
            ...(token !== undefined ? { NextToken: token } : {}),
          }),
        ),
      );
      for (const s of page.Schedules ?? []) if (s.Name) names.push(s.Name);
      token = page.NextToken;
    } while (token);
    const found: (DeployedSchedule | null)[] = [];
    for (let i = 0; i < names.length; i += GET_CONCURRENCY) {
      found.push(...(await Promise.all(names.slice(i, i + GET_CONCURRENCY).map((n) => this.get(n)))));
    }
    // A schedule deleted between the listing and its read is simply gone.
    return found
      .filter((s): s is DeployedSchedule => s !== null)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async get(name: string): Promise<DeployedSchedule | null> {
    try {
      const output = await this.options.client.send(
        new GetScheduleCommand({ Name: name, GroupName: this.options.groupName }),
      );
      return this.deployed(name, output);
    } catch (error) {
      if (error instanceof ResourceNotFoundException || errorCode(error) === 'ResourceNotFoundException') {
        return null;
      }
      throw this.wrap(error, `GetSchedule ${name}`);
    }
  }

  async create(spec: ScheduleSpec): Promise<void> {
    try {
      await this.options.client.send(new CreateScheduleCommand(this.scheduleInput(spec)));
    } catch (error) {
      if (error instanceof ConflictException || errorCode(error) === 'ConflictException') {
        throw new ScheduleExistsError(`schedule ${spec.name} exists already`, { cause: error });
      }
      throw this.wrap(error, `CreateSchedule ${spec.name}`);
    }
  }

  async update(spec: ScheduleSpec): Promise<void> {
    try {
      await this.options.client.send(new UpdateScheduleCommand(this.scheduleInput(spec)));
    } catch (error) {
      if (error instanceof ResourceNotFoundException || errorCode(error) === 'ResourceNotFoundException') {
        throw new ScheduleNotFoundError(`no schedule ${spec.name}`, { cause: error });
      }
      throw this.wrap(error, `UpdateSchedule ${spec.name}`);
    }
  }

  async delete(name: string): Promise<boolean> {
    try {
      await this.options.client.send(
        new DeleteScheduleCommand({ Name: name, GroupName: this.options.groupName }),
      );
      return true;
    } catch (error) {
      if (error instanceof ResourceNotFoundException || errorCode(error) === 'ResourceNotFoundException') {
        return false;
      }
      throw this.wrap(error, `DeleteSchedule ${name}`);
    }
  }

  private deployed(name: string, output: GetScheduleOutput): DeployedSchedule {
    const state = output.State === 'DISABLED' ? 'DISABLED' : 'ENABLED';
    const base = {
      name,
      state,
      ...(output.LastModificationDate ? { lastModified: output.LastModificationDate.getTime() } : {}),
    } as const;
    let spec: ScheduleSpec;
    try {
      const input: unknown = JSON.parse(output.Target?.Input ?? '');
      spec = parseScheduleSpec((input as { spec?: unknown } | null)?.spec, 'target.input.spec');
      if (spec.name !== name) {
        const message = `names schedule ${spec.name}, not ${name}`;
        throw new InvalidInputError(`target.input.spec.name: ${message}`);
      }
    } catch (error) {
      const problem =
        error instanceof SyntaxError ? `target.input: not JSON (${error.message})` : (error as Error).message;
      return { ...base, spec: null, problem, drift: [] };
    }
    return { ...base, spec, drift: driftOf(managed(this.scheduleInput(spec)), managed(output)) };
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw this.wrap(error, operation);
    }
  }

  private wrap(error: unknown, operation: string): Error {
    return normaliseAwsError(
      error,
      operation,
      (message, cause) => new EventBridgeSchedulerError(message, { cause }),
    );
  }
}

/** The settings Greenlight sets, as comparable values (the input is compared as parsed JSON). */
function managed(s: CreateScheduleInput | GetScheduleOutput): Managed {
  let input: unknown = s.Target?.Input;
  try {
    input = JSON.parse(String(input));
  } catch {
    // Left as text: it differs from any input Greenlight writes.
  }
  return {
    description: s.Description,
    scheduleExpression: s.ScheduleExpression,
    scheduleExpressionTimezone: s.ScheduleExpressionTimezone,
    state: s.State,
    flexibleTimeWindow: s.FlexibleTimeWindow?.Mode,
    actionAfterCompletion: s.ActionAfterCompletion ?? 'NONE',
    'target.arn': s.Target?.Arn,
    'target.roleArn': s.Target?.RoleArn,
    'target.input': input,
    'target.retryPolicy': s.Target?.RetryPolicy,
    'target.deadLetterConfig': s.Target?.DeadLetterConfig?.Arn,
  };
}

function driftOf(expected: Managed, actual: Managed): string[] {
  return Object.keys(expected).filter((k) => canonical(expected[k]) !== canonical(actual[k]));
}

/** JSON with sorted keys, so key order never reads as a difference. */
export function canonical(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : v,
    ) ?? 'undefined'
  );
}
