/**
 * The local "RunTask": one-off tasks (the scheduled-task workflow's) as real child processes, one
 * per container of a local task definition, started from the image catalog.
 *
 * Modelled like ECS: an essential container that exits stops the task (its other containers get
 * SIGTERM, then SIGKILL after their `stopTimeout`, ECS's default 30 s); StopTask does the same to
 * every container (stop code UserInitiated); exit codes are the processes' own (a signal is 128 +
 * its number: 143, 137); a container's `command` (task definition or override) is passed to the
 * image's entry point as Docker passes CMD; the same clientToken starts no second task; a stopped
 * task is described for an hour, then DescribeTasks no longer knows it.
 *
 * Not modelled: placement, Fargate (no ENI, no image pull, no provisioning time), cpu and memory
 * limits (so no OOM kills), container dependencies and health checks. Capacity failures (RunTask
 * `failures[]`) are SIMULATED on request per attempt (`simulateStartFailures`): a laptop has no
 * cluster to run out of.
 *
 * Times come from `clock` (schedule time): with a time scale N, a stopTimeout of 30 s lasts
 * 30/N s of wall time and every container gets GREENLIGHT_TIME_SCALE=N, so programs that honour it
 * (the demo job) sleep in schedule time too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import { GreenlightError, InvalidInputError } from '../../domain/errors';
import type { RunTaskFailure, TaskView } from '../../domain/schedules/attempt';
import { SCHEDULE_TAG } from '../../domain/schedules/task-request';
import { systemClock, type Clock } from '../../ports/clock';
import type { TaskDefinitions, TaskDefinitionSummary } from '../../ports/task-definitions';
import type { StartResult, TaskRequest, TaskRunner } from '../../ports/task-runner';
import { killOnExit } from './child-processes';
import type { ImageCatalog } from './image-catalog';
import type { ContainerDefinition, LocalTaskDefinitions } from './task-definitions';

export const LOCAL_REGION = 'local';
export const LOCAL_ACCOUNT = '000000000000';
/** ECS's stopTimeout when a container definition sets none. */
export const DEFAULT_STOP_TIMEOUT_SECONDS = 30;
/** ECS describes a stopped task for about an hour. */
const STOPPED_RETENTION_MS = 3600_000;
/** What a simulated failure says about itself, in RunTask's `detail`. */
export const SIMULATED_DETAIL = 'simulated by the local task runner';

const taskDefinitionArn = (id: string) =>
  `arn:aws:ecs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:task-definition/${id}`;

export interface LocalTaskRunnerOptions {
  taskDefinitions: LocalTaskDefinitions;
  catalog: ImageCatalog;
  /** Schedule time (default: the system clock). */
  clock?: Clock;
  /** Schedule seconds per wall second (the local scheduler's compression); default 1. */
  timeScale?: number;
  /** Where each container's stdout/stderr go (one file per container); unset: discarded. */
  logDir?: string;
  /** `cluster/service` → `family:revision`, for specs that run "the revision service S runs now". */
  services?: Record<string, string>;
  /** Environment every container starts from (default: PATH and TMPDIR only). */
  baseEnvironment?: Record<string, string>;
}

type ContainerState = {
  name: string;
  essential: boolean;
  stopTimeoutMs: number;
  child: ChildProcess | null;
  exited: boolean;
  exitCode?: number;
  reason?: string;
  killTimer: NodeJS.Timeout | null;
};

interface LocalTask {
  arn: string;
  cluster: string;
  taskDefinitionArn: string;
  startedBy: string;
  lastStatus: 'RUNNING' | 'DEPROVISIONING' | 'STOPPED';
  startedAt: number;
  stoppedAt?: number;
  stopCode?: string;
  stoppedReason?: string;
  containers: ContainerState[];
  exited: Promise<void>;
}

/** A process killed by a signal reports no exit code; a container's is 128 + the signal number. */
function signalExitCode(signal: NodeJS.Signals | null): number | undefined {
  if (!signal) return undefined;
  const number = osConstants.signals[signal];
  return number === undefined ? undefined : 128 + number;
}

/** `family`, `family:revision` or a task definition ARN → the registered `family:revision`. */
export function resolveLocalTaskDefinition(taskDefinitions: LocalTaskDefinitions, reference: string): string {
  const id = /(?:^arn:[^/]+:task-definition\/)?([A-Za-z0-9_-]+(?::\d+)?)$/.exec(reference)?.[1];
  if (id?.includes(':')) {
    if (taskDefinitions.has(id)) return id;
  } else if (id) {
    const revisions = taskDefinitions
      .list()
      .filter((r) => r.startsWith(`${id}:`))
      .map((r) => Number(r.slice(id.length + 1)));
    if (revisions.length > 0) return `${id}:${Math.max(...revisions)}`;
  }
  // What ECS answers (ClientException) for a task definition it does not have.
  throw new InvalidInputError(`taskDefinition: unable to find task definition "${reference}" locally`, [
    { path: 'taskDefinition', message: 'not registered' },
  ]);
}

/** DescribeTaskDefinition on the local task definitions (essential defaults to true, like ECS). */
export class LocalTaskDefinitionReader implements TaskDefinitions {
  constructor(private readonly taskDefinitions: LocalTaskDefinitions) {}

  async describe(reference: string): Promise<TaskDefinitionSummary | null> {
    let id: string;
    try {
      id = resolveLocalTaskDefinition(this.taskDefinitions, reference);
    } catch {
      return null;
    }
    const td = this.taskDefinitions.get(id);
    const [family, revision] = id.split(':') as [string, string];
    return {
      taskDefinitionArn: taskDefinitionArn(id),
      family,
      revision: Number(revision),
      containers: td.containerDefinitions.map((c) => {
        const logs = awslogsOf(c);
        return { name: c.name, essential: c.essential !== false, ...(logs ? { logs } : {}) };
      }),
    };
  }
}

function awslogsOf(c: ContainerDefinition) {
  const config = c.logConfiguration as { logDriver?: string; options?: Record<string, string> } | undefined;
  if (!config?.logDriver) return undefined;
  const o = config.options ?? {};
  return {
    driver: config.logDriver,
    ...(o['awslogs-group'] ? { group: o['awslogs-group'] } : {}),
    ...(o['awslogs-region'] ? { region: o['awslogs-region'] } : {}),
    ...(o['awslogs-stream-prefix'] ? { streamPrefix: o['awslogs-stream-prefix'] } : {}),
  };
}

interface ContainerOverrideInput {
  name?: string;
  command?: string[];
  environment?: { name: string; value: string }[];
}

/** RunTask, DescribeTasks and StopTask on local processes. */
export class LocalTaskRunner implements TaskRunner {
  private readonly tasks = new Map<string, LocalTask>();
  private readonly byToken = new Map<string, string>();
  private readonly simulated = new Map<string, (string | null)[]>();
  private readonly clock: Clock;
  private readonly timeScale: number;
  private readonly baseEnvironment: Record<string, string>;
  private closing = false;

  constructor(private readonly options: LocalTaskRunnerOptions) {
    this.clock = options.clock ?? systemClock;
    this.timeScale = options.timeScale ?? 1;
    if (!(this.timeScale >= 1 && this.timeScale <= 1000)) {
      throw new InvalidInputError(`timeScale: expected a number from 1 to 1000, got ${options.timeScale}`, [
        { path: 'timeScale', message: 'expected a number from 1 to 1000' },
      ]);
    }
    this.baseEnvironment =
      options.baseEnvironment ??
      Object.fromEntries(
        Object.entries({ PATH: process.env.PATH, TMPDIR: process.env.TMPDIR }).filter(
          (e): e is [string, string] => e[1] !== undefined,
        ),
      );
    if (options.logDir) mkdirSync(options.logDir, { recursive: true });
  }

  /**
   * SIMULATED capacity failures for the schedule's next RunTask calls, one entry per call: a
   * reason (e.g. `RESOURCE:MEMORY`) answers `failures[]` and starts nothing; null places the task.
   */
  simulateStartFailures(schedule: string, perAttempt: (string | null)[]): void {
    this.simulated.set(schedule, [...(this.simulated.get(schedule) ?? []), ...perAttempt]);
  }

  async serviceTaskDefinition(cluster: string, service: string): Promise<string> {
    const id = this.options.services?.[`${cluster}/${service}`];
    if (!id) {
      throw new InvalidInputError(`service "${cluster}/${service}" is not known to the local task runner`, [
        { path: 'taskDefinition.service', message: 'unknown local service' },
      ]);
    }
    return taskDefinitionArn(resolveLocalTaskDefinition(this.options.taskDefinitions, id));
  }

  async start(request: TaskRequest): Promise<StartResult> {
    if (this.closing) throw new GreenlightError('the local task runner is stopped');
    const known = this.byToken.get(request.clientToken);
    const knownTask = known ? this.tasks.get(known) : undefined;
    if (knownTask)
      return { started: true, taskArn: knownTask.arn, taskDefinitionArn: knownTask.taskDefinitionArn };

    const id = resolveLocalTaskDefinition(this.options.taskDefinitions, request.taskDefinition);
    const schedule = request.tags.find((t) => t.key === SCHEDULE_TAG)?.value;
    const queue = schedule ? this.simulated.get(schedule) : undefined;
    const failure = queue && queue.length > 0 ? queue.shift() : null;
    if (failure) {
      const instance = `arn:aws:ecs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:container-instance/${request.cluster}/local`;
      const failures: RunTaskFailure[] = [{ arn: instance, reason: failure, detail: SIMULATED_DETAIL }];
      return { started: false, failures };
    }

    const td = this.options.taskDefinitions.get(id);
    // Resolve every image first: a container the catalog cannot run fails the call, starting nothing.
    for (const c of td.containerDefinitions) this.options.catalog.resolve(c.image);
    const taskId = randomBytes(16).toString('hex');
    const arn = `arn:aws:ecs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:task/${request.cluster}/${taskId}`;
    const overrides = (request.overrides?.containerOverrides ?? []) as ContainerOverrideInput[];
    const exits: Promise<void>[] = [];
    const task: LocalTask = {
      arn,
      cluster: request.cluster,
      taskDefinitionArn: taskDefinitionArn(id),
      startedBy: request.startedBy,
      lastStatus: 'RUNNING',
      startedAt: this.clock.now(),
      containers: [],
      exited: Promise.resolve(),
    };
    for (const definition of td.containerDefinitions) {
      const override = overrides.find((o) => o.name === definition.name);
      const { container, exited } = this.launch(task, definition, override, `${td.family}.${taskId}`);
      task.containers.push(container);
      exits.push(exited);
    }
    task.exited = Promise.all(exits).then(() => undefined);
    this.tasks.set(arn, task);
    this.byToken.set(request.clientToken, arn);
    return { started: true, taskArn: arn, taskDefinitionArn: task.taskDefinitionArn };
  }

  async describe(cluster: string, taskArn: string): Promise<TaskView | null> {
    const task = this.tasks.get(taskArn);
    if (!task || task.cluster !== cluster) return null;
    if (task.stoppedAt !== undefined && this.clock.now() - task.stoppedAt > STOPPED_RETENTION_MS) return null;
    return {
      taskArn,
      lastStatus: task.lastStatus,
      ...(task.stopCode ? { stopCode: task.stopCode } : {}),
      ...(task.stoppedReason ? { stoppedReason: task.stoppedReason } : {}),
      startedAt: task.startedAt,
      ...(task.stoppedAt !== undefined ? { stoppedAt: task.stoppedAt } : {}),
      // ECS reports a container's exit code once it has stopped.
      containers: task.containers.map((c) => ({
        name: c.name,
        ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
        ...(c.reason ? { reason: c.reason } : {}),
      })),
    };
  }

  async stop(cluster: string, taskArn: string, reason: string): Promise<void> {
    const task = this.tasks.get(taskArn);
    if (!task || task.cluster !== cluster) {
      // ECS: InvalidParameterException, "The referenced task was not found."
      throw new InvalidInputError(`task: the referenced task was not found (${taskArn})`, [
        { path: 'task', message: 'not found' },
      ]);
    }
    this.stopTask(task, 'UserInitiated', reason.slice(0, 255));
  }

  /** Every task the runner started, with its ARN and how it stands (for reports and tests). */
  list(): { taskArn: string; startedBy: string; lastStatus: string; pids: (number | null)[] }[] {
    return [...this.tasks.values()].map((t) => ({
      taskArn: t.arn,
      startedBy: t.startedBy,
      lastStatus: t.lastStatus,
      pids: t.containers.map((c) => c.child?.pid ?? null),
    }));
  }

  /** Resolves once the task's processes have all exited. */
  async exited(taskArn: string): Promise<void> {
    await this.tasks.get(taskArn)?.exited;
  }

  /** Kills every container still running (SIGKILL) and waits for them: shutdown. Safe to call twice. */
  async stopAll(): Promise<void> {
    this.closing = true;
    for (const task of this.tasks.values()) {
      for (const c of task.containers) if (!c.exited) c.child?.kill('SIGKILL');
    }
    await Promise.all([...this.tasks.values()].map((t) => t.exited));
  }

  private launch(
    task: LocalTask,
    definition: ContainerDefinition,
    override: ContainerOverrideInput | undefined,
    logName: string,
  ): { container: ContainerState; exited: Promise<void> } {
    const image = this.options.catalog.resolve(definition.image);
    const line = this.options.catalog.commandLine(definition.image);
    const command = override?.command ?? (definition.command as string[] | undefined) ?? [];
    const stopTimeout =
      typeof definition.stopTimeout === 'number' ? definition.stopTimeout : DEFAULT_STOP_TIMEOUT_SECONDS;
    const env: Record<string, string> = {
      ...this.baseEnvironment,
      ...image.environment,
      ...Object.fromEntries((definition.environment ?? []).map((e) => [e.name, e.value])),
      ...Object.fromEntries((override?.environment ?? []).map((e) => [e.name, e.value])),
      ...(this.timeScale !== 1 ? { GREENLIGHT_TIME_SCALE: String(this.timeScale) } : {}),
    };
    const container: ContainerState = {
      name: definition.name,
      essential: definition.essential !== false,
      stopTimeoutMs: (stopTimeout * 1000) / this.timeScale,
      child: null,
      exited: false,
      killTimer: null,
    };
    const output = this.options.logDir
      ? openSync(path.join(this.options.logDir, `${logName}.${definition.name}.log`), 'a')
      : 'ignore';
    let child: ChildProcess;
    try {
      // The bundled programs keep an IPC channel so they exit if this process dies abruptly.
      const ipc = image.command === 'demo-app' || image.command === 'demo-job';
      child = spawn(line.file, [...line.args, ...command], {
        env,
        stdio: ['ignore', output, output, ...(ipc ? (['ipc'] as const) : [])],
      });
    } finally {
      if (typeof output === 'number') closeSync(output);
    }
    container.child = child;
    killOnExit(child);
    const exited = new Promise<void>((resolve) => {
      let done = false;
      const onExit = (exitCode: number | undefined, reason?: string) => {
        if (done) return;
        done = true;
        container.exited = true;
        if (exitCode !== undefined) container.exitCode = exitCode;
        if (reason) container.reason = reason;
        if (container.killTimer) clearTimeout(container.killTimer);
        this.onContainerExit(task, container);
        resolve();
      };
      child.once('exit', (code, signal) => onExit(code ?? signalExitCode(signal)));
      // 'error' without a pid: the command could not be spawned, no 'exit' follows.
      child.once('error', (error) => {
        if (child.pid === undefined) onExit(undefined, `CannotStartContainerError: ${error.message}`);
      });
    });
    return { container, exited };
  }

  private onContainerExit(task: LocalTask, container: ContainerState): void {
    if (container.essential && task.lastStatus === 'RUNNING') {
      const failedToStart = container.reason?.startsWith('CannotStartContainerError');
      if (failedToStart) this.stopTask(task, 'TaskFailedToStart', container.reason!);
      else this.stopTask(task, 'EssentialContainerExited', 'Essential container in task exited');
    }
    if (
      task.containers.length > 0 &&
      task.containers.every((c) => c.exited) &&
      task.lastStatus !== 'STOPPED'
    ) {
      // A task whose containers all ended on their own (no essential one among them) also stops.
      task.stopCode ??= 'EssentialContainerExited';
      task.stoppedReason ??= 'Essential container in task exited';
      task.lastStatus = 'STOPPED';
      task.stoppedAt = this.clock.now();
    }
  }

  /** SIGTERM to every running container, SIGKILL after its stopTimeout. */
  private stopTask(task: LocalTask, stopCode: string, stoppedReason: string): void {
    if (task.lastStatus !== 'RUNNING') return;
    task.lastStatus = 'DEPROVISIONING';
    task.stopCode = stopCode;
    task.stoppedReason = stoppedReason;
    for (const c of task.containers) {
      if (c.exited || !c.child) continue;
      const child = c.child;
      child.kill('SIGTERM');
      c.killTimer = setTimeout(() => {
        if (!c.exited) child.kill('SIGKILL');
      }, c.stopTimeoutMs);
    }
  }
}
