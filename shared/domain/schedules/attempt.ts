/**
 * One attempt of a scheduled run, judged: how the task ended (RunTask `failures[]`, `stopCode`,
 * `stoppedReason`, each deciding container's exit code and reason) and what that means for the run.
 *
 * The deciding containers are the spec's `verdictContainers`, else the task definition's essential
 * containers: a non-essential log sidecar that ECS kills (137) once the job's container has exited
 * does not decide. OOM can come with exit code 0, so a container whose reason says it ran out of
 * memory has failed whatever its code.
 */

/** The run outcomes kept in the ledger. */
export const RUN_OUTCOMES = [
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'SKIPPED',
  'MISSED',
  'FAILED_TO_START',
] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

/** One entry of RunTask's `failures[]`: ECS could not place the task (no task was created). */
export interface RunTaskFailure {
  reason: string;
  arn?: string;
  detail?: string;
}

export interface ContainerResult {
  name: string;
  /** Absent when the container never ran or was killed before reporting one. */
  exitCode?: number;
  reason?: string;
}

/** A task as DescribeTasks shows it, reduced to what a verdict needs. */
export interface TaskView {
  taskArn: string;
  lastStatus: string;
  stopCode?: string;
  stoppedReason?: string;
  /** When its containers started (absent if they never did). */
  startedAt?: number;
  stoppedAt?: number;
  containers: ContainerResult[];
}

/**
 * - `succeeded`: every deciding container exited with a success code;
 * - `failed`: the job ran and a deciding container did not succeed (or ECS lost the task);
 * - `timed-out`: Greenlight stopped it at the run-time limit;
 * - `start-failed`: it never ran (RunTask `failures[]`, stop code TaskFailedToStart): safe to retry;
 * - `replaced`: a newer run stopped it (overlap: replace);
 * - `not-started`: the run lost its guard before starting a task (replaced while starting).
 */
export type AttemptKind = 'succeeded' | 'failed' | 'timed-out' | 'start-failed' | 'replaced' | 'not-started';

export interface AttemptVerdict {
  kind: AttemptKind;
  /** A start failure for lack of capacity or placement (RESOURCE:*, AGENT, "Capacity is unavailable"). */
  capacity: boolean;
  /** The containers whose exit decided. */
  deciding: string[];
  /** Deciding containers that did not succeed, with why. */
  failedContainers: ContainerResult[];
  /** One line for people: what happened. */
  summary: string;
}

/** What one attempt left behind, as the run ledger keeps it. */
export interface AttemptRecord {
  number: number;
  /** When RunTask was called. */
  requestedAt: number;
  endedAt: number;
  taskArn?: string;
  failures: RunTaskFailure[];
  stopCode?: string;
  stoppedReason?: string;
  containers: ContainerResult[];
  verdict: AttemptVerdict;
  /** The revision the attempt ran, and CloudWatch Logs links per container of its task. */
  taskDefinitionArn?: string;
  logLinks?: Record<string, string>;
}

/** The stoppedReason (ECS keeps 255 characters) Greenlight gives a task it stops at the run-time limit. */
export const timeoutStopReason = (seconds: number) =>
  `Greenlight: run-time limit of ${seconds} s reached`.slice(0, 255);

const REPLACED_PREFIX = 'Greenlight: replaced by run ';
/** The stoppedReason of a task stopped because a newer run replaced its run (overlap: replace). */
export const replacedStopReason = (runId: string) => `${REPLACED_PREFIX}${runId}`.slice(0, 255);

/** The stoppedReason of a task stopped because its run's workflow failed and could not watch it. */
export const abandonedStopReason = (runId: string) =>
  `Greenlight: run ${runId} stopped watching after an error`.slice(0, 255);

/** RunTask failure reasons that mean "no room now" rather than a bad request. */
const CAPACITY_REASON = /^(RESOURCE:|AGENT|Capacity is unavailable)|capacity/i;
/** A container reason or stopped reason that says the kernel ran out of memory for it. */
const OUT_OF_MEMORY = /OutOfMemory|OOM/;

/** True when a RunTask failure or stopped reason is a lack of capacity or placement. */
export function isCapacityReason(reason: string | undefined): boolean {
  return reason !== undefined && CAPACITY_REASON.test(reason);
}

const describeContainer = (c: ContainerResult) =>
  `${c.name} ${c.exitCode === undefined ? 'has no exit code' : `exited ${c.exitCode}`}${c.reason ? ` (${c.reason})` : ''}`;

/** The verdict on a RunTask that created no task. */
export function judgeRunTaskFailures(failures: RunTaskFailure[]): AttemptVerdict {
  const reasons = failures.map((f) => (f.detail ? `${f.reason} (${f.detail})` : f.reason));
  return {
    kind: 'start-failed',
    capacity: failures.some((f) => isCapacityReason(f.reason) || isCapacityReason(f.detail)),
    deciding: [],
    failedContainers: [],
    summary: `RunTask placed no task: ${reasons.join('; ') || 'no reason given'}`,
  };
}

export interface JudgeOptions {
  /** The spec's `verdictContainers`, if it names them. */
  verdictContainers?: string[];
  /** Essential containers of the task definition (ECS: essential unless it says otherwise). */
  essentialContainers?: string[];
  successExitCodes: number[];
  /** Greenlight asked ECS to stop the task at the run-time limit. */
  stoppedAtLimit: boolean;
}

/** The containers whose exit decides: verdictContainers, else the essential ones, else all. */
export function decidingContainers(task: TaskView, options: JudgeOptions): string[] {
  if (options.verdictContainers && options.verdictContainers.length > 0) return options.verdictContainers;
  const present = task.containers.map((c) => c.name);
  const essential = (options.essentialContainers ?? []).filter((n) => present.includes(n));
  return essential.length > 0 ? essential : present;
}

/** The verdict on a task that has stopped. */
export function judgeStoppedTask(task: TaskView, options: JudgeOptions): AttemptVerdict {
  const deciding = decidingContainers(task, options);
  const base = { capacity: false, deciding };
  if (task.stoppedReason?.startsWith(REPLACED_PREFIX)) {
    return { ...base, kind: 'replaced', failedContainers: [], summary: task.stoppedReason };
  }
  if (task.stopCode === 'TaskFailedToStart') {
    return {
      ...base,
      kind: 'start-failed',
      capacity: isCapacityReason(task.stoppedReason),
      failedContainers: [],
      summary: `the task failed to start: ${task.stoppedReason ?? 'no reason given'}`,
    };
  }
  const failedContainers = deciding.flatMap((name): ContainerResult[] => {
    const container = task.containers.find((c) => c.name === name);
    if (!container) return [{ name, reason: 'not a container of the task' }];
    const oom = container.reason !== undefined && OUT_OF_MEMORY.test(container.reason);
    const ok =
      container.exitCode !== undefined && options.successExitCodes.includes(container.exitCode) && !oom;
    return ok ? [] : [container];
  });
  // A stop we asked for that landed after the job had already ended on its own is judged on the
  // exit codes; one that ended it (UserInitiated) is the run-time limit.
  if (options.stoppedAtLimit && task.stopCode !== 'EssentialContainerExited') {
    return {
      ...base,
      kind: 'timed-out',
      failedContainers,
      summary: `stopped at the run-time limit${task.stoppedReason ? ` (${task.stoppedReason})` : ''}`,
    };
  }
  if (failedContainers.length === 0) {
    const codes = deciding
      .map((n) => task.containers.find((c) => c.name === n))
      .map((c) => `${c!.name} exited ${c!.exitCode}`);
    return { ...base, kind: 'succeeded', failedContainers, summary: codes.join(', ') };
  }
  const stop = [task.stopCode, task.stoppedReason].filter(Boolean).join(': ');
  return {
    ...base,
    kind: 'failed',
    failedContainers,
    summary: `${failedContainers.map(describeContainer).join('; ')}${stop ? ` — ${stop}` : ''}`,
  };
}

/** The verdict on a task ECS no longer knows (DescribeTasks answers MISSING long after the start). */
export function judgeLostTask(taskArn: string): AttemptVerdict {
  return {
    kind: 'failed',
    capacity: false,
    deciding: [],
    failedContainers: [],
    summary: `ECS no longer describes task ${taskArn}: how it ended is unknown`,
  };
}

/** The verdict on a start refused because a newer run took the guard (overlap: replace). */
export function judgeNotStarted(heldBy: string | null): AttemptVerdict {
  return {
    kind: 'not-started',
    capacity: false,
    deciding: [],
    failedContainers: [],
    summary: `not started: run ${heldBy ?? '(unknown)'} holds the schedule's guard`,
  };
}
