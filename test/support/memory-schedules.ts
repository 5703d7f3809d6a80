/**
 * Scheduled tasks in memory (simulated: no ECS, no DynamoDB, no processes): a run ledger, a task
 * runner whose tasks follow scripts (RunTask failures, exit codes per container, a task that runs
 * until stopped), task definitions with a job and a non-essential log sidecar, driven through the
 * real state machine file and step handlers. Wait states take 0 ms unless asked; time moves only
 * when a test (or a look at a task, `msPerLook`) moves the clock.
 */
import { createScheduleSteps, type ScheduleDeps } from '../../functions/schedules';
import type { RunOutcome, RunTaskFailure, TaskView } from '../../shared/domain/schedules/attempt';
import {
  claimRecord,
  type AlertDelivery,
  type RunClaim,
  type RunRecord,
} from '../../shared/domain/schedules/run-record';
import type { ScheduleSpecInput } from '../../shared/domain/schedules/schedule-spec';
import {
  loadStateMachine,
  runStateMachine,
  type EngineEvent,
  type RunResult,
} from '../../shared/local/sfn/engine';
import type { ClaimResult, Guard, GuardResult, RunLedger } from '../../shared/ports/run-ledger';
import type { TaskDefinitions, TaskDefinitionSummary } from '../../shared/ports/task-definitions';
import type { StartResult, TaskRequest, TaskRunner } from '../../shared/ports/task-runner';
import { ManualClock, MemoryNotifier, silentLogger } from './memory-ports';

export const SCHEDULED_TASK_FILE = 'scheduled-task.asl.json';
export const MEMORY_ACCOUNT = '123456789012';
export const MEMORY_REGION = 'us-east-1';
export const REPORT_TASK_DEFINITION = `arn:aws:ecs:${MEMORY_REGION}:${MEMORY_ACCOUNT}:task-definition/report:3`;

/** The run ledger in memory, with the same rules as the DynamoDB one (expiry compared in code). */
export class MemoryRunLedger implements RunLedger {
  readonly runs = new Map<string, RunRecord>();
  readonly guards = new Map<string, Guard>();
  /** The missed-run reconcile's checkpoint per schedule. */
  readonly checkedUntil = new Map<string, number>();
  /** Every write of a run's record, in order (claims included): a test can count them. */
  readonly writes: { runId: string; status: string }[] = [];

  private key = (schedule: string, runId: string) => `${schedule}/${runId}`;

  async claimRun(claim: RunClaim): Promise<ClaimResult> {
    const existing = this.runs.get(this.key(claim.schedule, claim.runId));
    if (existing) {
      return existing.execution === claim.execution ? { claimed: true } : { claimed: false, existing };
    }
    this.runs.set(this.key(claim.schedule, claim.runId), claimRecord(claim));
    this.writes.push({ runId: claim.runId, status: 'RUNNING' });
    return { claimed: true };
  }

  async recordRun(record: RunRecord): Promise<boolean> {
    const existing = this.runs.get(this.key(record.schedule, record.runId));
    if (existing && existing.execution !== record.execution) return false;
    this.runs.set(this.key(record.schedule, record.runId), structuredClone(record));
    this.writes.push({ runId: record.runId, status: record.status });
    return true;
  }

  async getRun(schedule: string, runId: string, _slotAt: number, now: number): Promise<RunRecord | null> {
    const run = this.runs.get(this.key(schedule, runId));
    return run && run.expiresAt >= now ? run : null;
  }

  async listRuns(schedule: string, options: { now: number; limit?: number }): Promise<RunRecord[]> {
    return [...this.runs.values()]
      .filter((r) => r.schedule === schedule && r.expiresAt >= options.now)
      .sort((a, b) => b.slotAt - a.slotAt || (a.runId < b.runId ? 1 : -1))
      .slice(0, options.limit ?? 20);
  }

  async previousOutcome(schedule: string, slotAt: number, now: number): Promise<RunOutcome | null> {
    const runs = await this.listRuns(schedule, { now, limit: Infinity });
    return runs.find((r) => r.slotAt < slotAt && r.outcome)?.outcome ?? null;
  }

  async runsBetween(schedule: string, window: { from: number; to: number }, now: number) {
    return [...this.runs.values()]
      .filter(
        (r) =>
          r.schedule === schedule && r.slotAt > window.from && r.slotAt <= window.to && r.expiresAt >= now,
      )
      .sort((a, b) => a.slotAt - b.slotAt || (a.runId < b.runId ? -1 : 1));
  }

  async recordIfAbsent(record: RunRecord): Promise<boolean> {
    if (this.runs.has(this.key(record.schedule, record.runId))) return false;
    this.runs.set(this.key(record.schedule, record.runId), structuredClone(record));
    this.writes.push({ runId: record.runId, status: record.status });
    return true;
  }

  async setAlertDelivery(
    run: Pick<RunRecord, 'schedule' | 'slotAt' | 'runId'>,
    delivery: AlertDelivery,
  ): Promise<void> {
    const record = this.runs.get(this.key(run.schedule, run.runId));
    if (record) record.alertDelivery = structuredClone(delivery);
  }

  async missedCheckedUntil(schedule: string): Promise<number | null> {
    return this.checkedUntil.get(schedule) ?? null;
  }

  async setMissedCheckedUntil(schedule: string, until: number): Promise<void> {
    if ((this.checkedUntil.get(schedule) ?? -Infinity) < until) this.checkedUntil.set(schedule, until);
  }

  async acquireGuard(schedule: string, runId: string, leaseMs: number, now: number): Promise<GuardResult> {
    const held = this.guards.get(schedule);
    if (held && held.runId !== runId && held.expiresAt >= now)
      return { acquired: false, holder: { ...held } };
    this.guards.set(schedule, { runId, expiresAt: now + leaseMs });
    return { acquired: true, expiresAt: now + leaseMs };
  }

  async takeOverGuard(schedule: string, from: string, runId: string, leaseMs: number, now: number) {
    if (this.guards.get(schedule)?.runId !== from) return false;
    this.guards.set(schedule, { runId, expiresAt: now + leaseMs });
    return true;
  }

  async setGuardTask(schedule: string, runId: string, taskArn: string, now: number) {
    const held = this.guards.get(schedule);
    if (!held || held.runId !== runId || held.expiresAt < now) return false;
    held.taskArn = taskArn;
    return true;
  }

  async holdsGuard(schedule: string, runId: string, now: number) {
    const held = this.guards.get(schedule);
    return held !== undefined && held.runId === runId && held.expiresAt >= now;
  }

  async releaseGuard(schedule: string, runId: string) {
    if (this.guards.get(schedule)?.runId !== runId) return false;
    this.guards.delete(schedule);
    return true;
  }
}

/** How one started task behaves. */
export type TaskScript =
  /** RunTask places nothing and answers with these failures. */
  | { failures: RunTaskFailure[] }
  | {
      /** Exit code per container once stopped (absent: none reported). */
      exitCodes: Record<string, number | undefined>;
      /** Looks (DescribeTasks) that still find it RUNNING before it stops on its own; Infinity: until stopped. */
      looks?: number;
      stopCode?: string;
      stoppedReason?: string;
      containerReasons?: Record<string, string>;
      /** Exit codes when Greenlight stops it (default: 143 for every container). */
      exitCodesOnStop?: Record<string, number>;
    };

interface MemoryTask {
  arn: string;
  cluster: string;
  request: TaskRequest;
  script: Extract<TaskScript, { exitCodes: unknown }>;
  looks: number;
  stopped: { stopCode: string; stoppedReason?: string; exitCodes: Record<string, number | undefined> } | null;
}

/** ECS RunTask / DescribeTasks / StopTask on scripted tasks. Unscripted starts succeed with every container at 0. */
export class ScriptedTaskRunner implements TaskRunner {
  readonly scripts: TaskScript[] = [];
  readonly starts: TaskRequest[] = [];
  readonly stops: { taskArn: string; reason: string }[] = [];
  readonly tasks = new Map<string, MemoryTask>();
  /** Milliseconds the clock moves on at each look (the poll interval, as simulated time). */
  msPerLook = 0;
  private readonly byToken = new Map<string, string>();
  private sequence = 0;

  constructor(
    private readonly clock: ManualClock,
    readonly containers: string[] = ['job', 'log-router'],
  ) {}

  /** Queues how the next started tasks behave. */
  script(...scripts: TaskScript[]): this {
    this.scripts.push(...scripts);
    return this;
  }

  async serviceTaskDefinition(_cluster: string, service: string): Promise<string> {
    return `arn:aws:ecs:${MEMORY_REGION}:${MEMORY_ACCOUNT}:task-definition/${service}:7`;
  }

  async start(request: TaskRequest): Promise<StartResult> {
    this.starts.push(structuredClone(request));
    // ECS's clientToken: the same token starts no second task.
    const known = this.byToken.get(request.clientToken);
    if (known) return { started: true, taskArn: known, taskDefinitionArn: request.taskDefinition };
    const script = this.scripts.shift() ?? {
      exitCodes: Object.fromEntries(this.containers.map((c) => [c, 0])),
    };
    if ('failures' in script) return { started: false, failures: script.failures };
    const arn = `arn:aws:ecs:${MEMORY_REGION}:${MEMORY_ACCOUNT}:task/${request.cluster}/t${String(++this.sequence).padStart(4, '0')}`;
    this.byToken.set(request.clientToken, arn);
    this.tasks.set(arn, { arn, cluster: request.cluster, request, script, looks: 0, stopped: null });
    return { started: true, taskArn: arn, taskDefinitionArn: request.taskDefinition };
  }

  async describe(_cluster: string, taskArn: string): Promise<TaskView | null> {
    this.clock.advance(this.msPerLook);
    const task = this.tasks.get(taskArn);
    if (!task) return null;
    task.looks += 1;
    if (!task.stopped && task.looks > (task.script.looks ?? 1)) {
      task.stopped = {
        stopCode: task.script.stopCode ?? 'EssentialContainerExited',
        ...(task.script.stoppedReason ? { stoppedReason: task.script.stoppedReason } : {}),
        exitCodes: task.script.exitCodes,
      };
    }
    const stopped = task.stopped;
    return {
      taskArn,
      lastStatus: stopped ? 'STOPPED' : 'RUNNING',
      ...(stopped ? { stopCode: stopped.stopCode } : {}),
      ...(stopped?.stoppedReason ? { stoppedReason: stopped.stoppedReason } : {}),
      containers: this.containers.map((name) => {
        const exitCode = stopped?.exitCodes[name];
        const reason = task.script.containerReasons?.[name];
        return {
          name,
          ...(exitCode !== undefined ? { exitCode } : {}),
          ...(stopped && reason ? { reason } : {}),
        };
      }),
    };
  }

  async stop(_cluster: string, taskArn: string, reason: string): Promise<void> {
    this.stops.push({ taskArn, reason });
    const task = this.tasks.get(taskArn);
    if (!task || task.stopped) return;
    task.stopped = {
      stopCode: 'UserInitiated',
      stoppedReason: reason,
      exitCodes: task.script.exitCodesOnStop ?? Object.fromEntries(this.containers.map((c) => [c, 143])),
    };
  }

  /** Ends a task that runs until stopped, as if its containers exited on their own. */
  finish(taskArn: string, exitCodes: Record<string, number>): void {
    const task = this.tasks.get(taskArn);
    if (task && !task.stopped) task.stopped = { stopCode: 'EssentialContainerExited', exitCodes };
  }
}

/** Task definitions: `report` has an essential `job` (awslogs) and a non-essential `log-router`. */
export class MemoryTaskDefinitions implements TaskDefinitions {
  readonly described: string[] = [];
  async describe(reference: string): Promise<TaskDefinitionSummary | null> {
    this.described.push(reference);
    const family = /(?:task-definition\/)?([A-Za-z0-9_-]+)(?::\d+)?$/.exec(reference)?.[1] ?? reference;
    if (family !== 'report') return null;
    return {
      taskDefinitionArn: REPORT_TASK_DEFINITION,
      family: 'report',
      revision: 3,
      containers: [
        {
          name: 'job',
          essential: true,
          logs: { driver: 'awslogs', group: '/ecs/report', streamPrefix: 'ecs' },
        },
        { name: 'log-router', essential: false },
      ],
    };
  }
}

/** 2027-03-15T06:30:00Z: the slot most tests use. */
export const SLOT = Date.UTC(2027, 2, 15, 6, 30, 0);
export const slotTime = (ms = SLOT) => new Date(ms).toISOString().replace('.000Z', 'Z');

export function scheduleWorld(options: { now?: number } = {}) {
  const clock = new ManualClock(options.now ?? SLOT + 2_000);
  return {
    ledger: new MemoryRunLedger(),
    tasks: new ScriptedTaskRunner(clock),
    taskDefinitions: new MemoryTaskDefinitions(),
    notifier: new MemoryNotifier(),
    clock,
    logger: silentLogger(),
  } satisfies ScheduleDeps & Record<string, unknown>;
}
export type ScheduleWorld = ReturnType<typeof scheduleWorld>;

/** A Fargate schedule of the `report` task definition (override any field). */
export function memoryScheduleSpec(overrides: Partial<ScheduleSpecInput> = {}): ScheduleSpecInput {
  return {
    name: 'nightly-report',
    expression: 'cron(30 6 * * ? *)',
    cluster: 'jobs',
    taskDefinition: 'report',
    launchType: 'FARGATE',
    network: { subnets: ['subnet-0a1b2c3d'], securityGroups: ['sg-0a1b2c3d'] },
    timeoutSeconds: 600,
    ...overrides,
  };
}

/** The input Scheduler's target passes for the slot at `slotMs`. */
export const scheduledInput = (spec: ScheduleSpecInput, slotMs = SLOT) => ({
  spec,
  trigger: 'schedule',
  scheduledTime: slotTime(slotMs),
});

const { definition } = loadStateMachine(SCHEDULED_TASK_FILE);
const WAIT_STATES = Object.entries(definition.States)
  .filter(([, s]) => s.Type === 'Wait')
  .map(([name]) => name);
const ZERO_RETRY_DELAYS = Object.fromEntries(Object.keys(definition.States).map((name) => [name, 0]));

let executions = 0;

/** Runs one execution of the scheduled-task machine in the world, to its end. */
export function runScheduled(
  world: ScheduleDeps,
  input: unknown,
  options: {
    executionName?: string;
    /** Real milliseconds each Wait state takes (0 by default; overlap tests give the other run time to act). */
    waitMs?: number;
    stateOverrides?: Record<string, (input: unknown) => Promise<unknown>>;
    onEvent?: (event: EngineEvent) => void;
    /** Called as each Task state invokes its handler. */
    onTask?: (state: string) => void;
  } = {},
): Promise<RunResult> {
  const waitMs = options.waitMs ?? 0;
  return runStateMachine({
    file: SCHEDULED_TASK_FILE,
    handlers: createScheduleSteps(world),
    input,
    executionName: options.executionName ?? `exec-${++executions}`,
    waitTimeOverrides: Object.fromEntries(WAIT_STATES.map((name) => [name, waitMs])),
    retryIntervalOverrides: ZERO_RETRY_DELAYS,
    ...(options.stateOverrides ? { stateOverrides: options.stateOverrides } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(options.onTask ? { onTask: options.onTask } : {}),
  });
}

/** Names of the states the execution entered, in order. */
export const statesEntered = (result: RunResult) =>
  result.events.filter((e) => e.type === 'StateEntered').map((e) => e.state);
