/**
 * The local EventBridge Scheduler: fires executions of statemachines/scheduled-task.asl.json (the
 * file AWS runs) on the local engine at each slot of each enabled schedule's expression
 * (shared/domain/schedules/next-runs.ts, in the schedule's time zone), with the target input
 * Scheduler passes: `{ spec, trigger: "schedule", scheduledTime: <aws.scheduler.scheduled-time> }`.
 *
 * Like Scheduler: the flexible time window is OFF (a slot fires at its time), a disabled schedule
 * fires nothing, executions get names Greenlight does not choose (so, as on AWS, only the run
 * ledger's claim deduplicates a slot), and a slot can be delivered more than once (`deliveries`,
 * Scheduler's at-least-once). Not modelled: Scheduler's own retries and dead-letter queue, its
 * throttling, and a delivery arriving late (every delivery here is on time).
 *
 * Time is schedule time (a ScaledClock): slots, the workflow's Wait states (the poll between looks
 * at a task and the backoff before a retry) and the task runner all follow it, so with scale N
 * each Wait lasts 1/N of its seconds in wall time. Task states' Retry intervals (only after a
 * step's error) stay in wall time.
 */
import { randomUUID } from 'node:crypto';
import { createScheduleSteps, type ScheduleDeps } from '../../../functions/schedules';
import { parseExpression } from '../../domain/schedules/expression';
import { nextRuns } from '../../domain/schedules/next-runs';
import { parseScheduleSpec, type ScheduleSpecInput } from '../../domain/schedules/schedule-spec';
import { pollSeconds } from '../../domain/schedules/retry-policy';
import type { LambdaHandler } from '../../lambda';
import { loadStateMachine, runStateMachine, type EngineEvent, type RunResult } from '../sfn/engine';
import type { ScaledClock } from './scaled-clock';

export const SCHEDULED_TASK_FILE = 'scheduled-task.asl.json';

/** The Wait states of the machine and where each finds its seconds: the scheduler scales these. */
const KNOWN_WAITS: Record<string, string> = {
  WaitForTask: '$.run.pollSeconds',
  BackoffBeforeRetry: '$.history.decision.waitSeconds',
};

/** Throws unless the machine's Wait states are the ones this scheduler knows how to scale. */
function checkWaitStates(): void {
  const { definition } = loadStateMachine(SCHEDULED_TASK_FILE);
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type !== 'Wait') continue;
    if (KNOWN_WAITS[name] !== state.SecondsPath) {
      throw new Error(
        `local scheduler: Wait state ${name} (${JSON.stringify(state.SecondsPath ?? state.Seconds)}) is not one it can scale; teach KNOWN_WAITS`,
      );
    }
  }
}

export interface ScheduleEntry {
  /** The schedule spec as Scheduler's target input holds it (validated here, and again by BeginRun). */
  spec: ScheduleSpecInput;
  /** Rate expressions: the schedule's StartDate (default: the clock's start). */
  startDate?: number;
  /** Deliveries of each slot (Scheduler delivers at least once); default 1. */
  deliveries?: number;
}

/** One delivery of one slot. */
export interface Delivery {
  schedule: string;
  slotAt: number;
  scheduledTime: string;
  executionName: string;
  /** Set once the execution has ended. */
  result?: RunResult;
}

export interface LocalSchedulerOptions {
  schedules: ScheduleEntry[];
  deps: ScheduleDeps;
  clock: ScaledClock;
  /**
   * Slots after this schedule time fire (default: the clock's time at start()); one already past
   * when start() runs is delivered at once, late, as Scheduler delivers a slot it could not on time.
   */
  from?: number;
  /** Slots at or before this schedule time fire; later ones do not (the rehearsal's window). */
  until: number;
  onDelivery?: (delivery: Delivery) => void;
  onEvent?: (delivery: Delivery, event: EngineEvent) => void;
  onEnd?: (delivery: Delivery) => void;
}

/** `2027-03-15T06:30:00Z`: how Scheduler writes `<aws.scheduler.scheduled-time>`. */
export const scheduledTimeText = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export class LocalScheduler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  readonly deliveries: Delivery[] = [];
  private windowClosed!: Promise<void>;
  private started = false;
  private stopped = false;

  constructor(private readonly options: LocalSchedulerOptions) {
    checkWaitStates();
    // Bad specs fail here, naming the field, before anything fires.
    options.schedules.forEach((entry, i) => parseScheduleSpec(entry.spec, `schedules[${i}]`));
  }

  /** Arms every enabled schedule's next slot. */
  start(): void {
    if (this.started) throw new Error('local scheduler: already started');
    this.started = true;
    const { clock, until } = this.options;
    for (const entry of this.options.schedules) {
      const spec = parseScheduleSpec(entry.spec);
      if (!spec.enabled) continue;
      this.arm(entry, this.options.from ?? clock.now());
    }
    this.windowClosed = new Promise((resolve) => {
      const timer = setTimeout(() => resolve(), clock.wallMs(until - clock.now()) + 1);
      this.timers.add(timer);
    });
  }

  /** Resolves once the window has passed and every execution it started has ended. */
  async settled(): Promise<Delivery[]> {
    if (!this.started) throw new Error('local scheduler: not started');
    await this.windowClosed;
    while (this.running.size > 0) await Promise.all([...this.running]);
    return this.deliveries;
  }

  /** Fires nothing more (executions already started run on). */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private arm(entry: ScheduleEntry, after: number): void {
    const spec = parseScheduleSpec(entry.spec);
    const [slot] = nextRuns(parseExpression(spec.expression), {
      timeZone: spec.timezone,
      after,
      count: 1,
      start: entry.startDate ?? this.options.clock.start,
    });
    if (slot === undefined || slot > this.options.until || this.stopped) return;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        if (this.stopped) return;
        for (let i = 0; i < (entry.deliveries ?? 1); i++) this.deliver(entry, slot);
        this.arm(entry, slot);
      },
      this.options.clock.wallMs(slot - this.options.clock.now()),
    );
    this.timers.add(timer);
  }

  private deliver(entry: ScheduleEntry, slotAt: number): void {
    const spec = parseScheduleSpec(entry.spec);
    const delivery: Delivery = {
      schedule: spec.name,
      slotAt,
      scheduledTime: scheduledTimeText(slotAt),
      // Scheduler names the executions it starts itself: nothing derived from the slot.
      executionName: randomUUID(),
    };
    this.deliveries.push(delivery);
    this.options.onDelivery?.(delivery);
    const input = { spec: entry.spec, trigger: 'schedule', scheduledTime: delivery.scheduledTime };
    const execution = this.execute(delivery, input, pollSeconds(spec.timeoutSeconds)).then((result) => {
      delivery.result = result;
      this.options.onEnd?.(delivery);
    });
    const tracked = execution.finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  private execute(delivery: Delivery, input: unknown, poll: number): Promise<RunResult> {
    const { clock, deps } = this.options;
    const steps = createScheduleSteps(deps);
    // The backoff the last ExamineResult decided: BackoffBeforeRetry waits that long (scaled).
    let backoffSeconds = 0;
    const examine = steps['examine-run']!;
    const handlers: Record<string, LambdaHandler<unknown, unknown>> = {
      ...steps,
      'examine-run': async (event, context) => {
        const history = (await examine(event, context)) as { decision?: { waitSeconds?: number } };
        backoffSeconds = history.decision?.waitSeconds ?? 0;
        return history;
      },
    };
    // The engine reads an override each time it enters the Wait state: getters scale the seconds
    // that state would wait on AWS (its SecondsPath) into wall milliseconds.
    const waitTimeOverrides = {
      get WaitForTask() {
        return clock.wallMs(poll * 1000);
      },
      get BackoffBeforeRetry() {
        return clock.wallMs(backoffSeconds * 1000);
      },
    };
    return runStateMachine({
      file: SCHEDULED_TASK_FILE,
      handlers,
      input,
      executionName: delivery.executionName,
      waitTimeOverrides,
      ...(this.options.onEvent ? { onEvent: (e: EngineEvent) => this.options.onEvent!(delivery, e) } : {}),
    });
  }
}
