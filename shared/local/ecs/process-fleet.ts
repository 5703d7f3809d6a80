/**
 * The local "ECS": each service is a set of real child processes started from a local task
 * definition and registered with its target group in the local ALB. A background scheduler per
 * service keeps the desired count, rolls deployments like ECS (new tasks healthy before old ones
 * stop), replaces crashed or unhealthy tasks with a crash-loop backoff, and drains before stopping.
 * Like ECS it remembers the tasks that stopped, with a stop code and reason shaped like ECS's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import net from 'node:net';
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import { GreenlightError, InvalidInputError } from '../../domain/errors';
import { systemClock, type Clock } from '../../ports/clock';
import type { Fleet, RevisionReader, SlotRef, SlotStatus, StoppedTask } from '../../ports/fleet';
import type { AlbProxy, TargetState } from '../alb/proxy';
import { killOnExit } from './child-processes';
import type { ImageCatalog } from './image-catalog';
import { serviceContainer, type LocalTaskDefinitions } from './task-definitions';

export interface ProcessFleetOptions {
  proxy: AlbProxy;
  taskDefinitions: LocalTaskDefinitions;
  catalog: ImageCatalog;
  /** Where each task's stdout/stderr go (one file per task); unset: discarded. */
  logDir?: string;
  /** How often each service's scheduler looks at its tasks. */
  reconcileIntervalMs?: number;
  /** How long a task may take to accept connections before it counts as failed to start. */
  startTimeoutMs?: number;
  /** Time between SIGTERM and SIGKILL when stopping a task. */
  stopTimeoutMs?: number;
  /** Delay before relaunching after the n-th consecutive crash: base·2^(n-1), capped. */
  crashBackoff?: { baseMs: number; maxMs: number };
  /** Environment every task starts from (before image and task definition environment). */
  baseEnvironment?: Record<string, string>;
  /**
   * The clock of stopped tasks' `stoppedAt` (what the gate compares with its windows): the
   * rehearsal's, virtual when it is compressed. The scheduler's own delays stay real.
   */
  clock?: Clock;
}

export interface ServiceDefinition {
  cluster: string;
  service: string;
  targetGroup: string;
  taskDefinition?: string;
  desiredCount: number;
}

/** ECS-like task lifecycle: PROVISIONING (port, process starting) → PENDING (not yet listening) → RUNNING → STOPPING. */
export type TaskStatus = 'PROVISIONING' | 'PENDING' | 'RUNNING' | 'STOPPING';

export interface TaskInfo {
  id: string;
  taskDefinition: string;
  status: TaskStatus;
  pid: number | null;
  port: number | null;
  /** State in the service's target group; null while not registered. */
  health: TargetState | null;
}

/** Why the fleet stopped a task, in ECS's words (stop code and stopped reason). */
interface StopCause {
  stopCode: string;
  stoppedReason: string;
}

interface Task {
  id: string;
  taskDefinition: string;
  status: TaskStatus;
  port: number | null;
  child: ChildProcess | null;
  registered: boolean;
  exited: boolean;
  killTimer: NodeJS.Timeout | null;
  /** The service container's name, once the task definition was read. */
  container: string | null;
  /** Set when the fleet itself stops the task; a task exiting without one crashed. */
  stopCause: StopCause | null;
}

interface Service {
  key: string;
  targetGroup: string;
  taskDefinition: string | null;
  desiredCount: number;
  tasks: Map<string, Task>;
  timer: NodeJS.Timeout;
  crashes: number;
  lastCrashAt: number;
  nextLaunchAt: number;
  /** Tasks that stopped, oldest first, kept as long as ECS lists them. */
  stopped: StoppedTask[];
}

const MAX_TASKS_PER_SERVICE = 20;
const CRASH_MEMORY_MS = 60_000;
/** ECS lists stopped tasks for about an hour; a crash loop must not grow the list without bound. */
const STOPPED_TASK_RETENTION_MS = 3600_000;
const MAX_STOPPED_TASKS = 1000;
const LOCALHOST = '127.0.0.1';

/** A port on 127.0.0.1 that was free a moment ago (bound to port 0, then released). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, LOCALHOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves true once `port` accepts TCP connections, false when `giveUp()` or the deadline comes first. */
export async function waitForPort(
  port: number,
  timeoutMs: number,
  giveUp: () => boolean = () => false,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !giveUp()) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: LOCALHOST, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

function checkSlot(slot: SlotRef): void {
  for (const field of ['cluster', 'service'] as const) {
    if (typeof slot[field] !== 'string' || slot[field] === '') {
      throw new InvalidInputError(`slot.${field}: expected a non-empty string`, [
        { path: `slot.${field}`, message: 'expected a non-empty string' },
      ]);
    }
  }
}

function checkDesiredCount(desiredCount: number): void {
  if (!Number.isInteger(desiredCount) || desiredCount < 0 || desiredCount > MAX_TASKS_PER_SERVICE) {
    throw new InvalidInputError(
      `desiredCount: expected an integer from 0 to ${MAX_TASKS_PER_SERVICE} (local limit), got ${desiredCount}`,
      [{ path: 'desiredCount', message: `expected an integer from 0 to ${MAX_TASKS_PER_SERVICE}` }],
    );
  }
}

/** ECS services as local processes behind the local ALB. */
export class ProcessFleet implements Fleet, RevisionReader {
  private readonly services = new Map<string, Service>();
  private closing: Promise<void> | null = null;
  private readonly reconcileIntervalMs: number;
  private readonly startTimeoutMs: number;
  private readonly stopTimeoutMs: number;
  private readonly crashBackoff: { baseMs: number; maxMs: number };
  private readonly baseEnvironment: Record<string, string>;
  private readonly clock: Clock;

  constructor(private readonly options: ProcessFleetOptions) {
    this.clock = options.clock ?? systemClock;
    this.reconcileIntervalMs = options.reconcileIntervalMs ?? 200;
    this.startTimeoutMs = options.startTimeoutMs ?? 30_000;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 5000;
    this.crashBackoff = options.crashBackoff ?? { baseMs: 500, maxMs: 30_000 };
    // Only what a command needs to be found and to write temp files: a container gets no host env.
    this.baseEnvironment =
      options.baseEnvironment ??
      Object.fromEntries(
        Object.entries({ PATH: process.env.PATH, TMPDIR: process.env.TMPDIR }).filter(
          (e): e is [string, string] => e[1] !== undefined,
        ),
      );
    if (options.logDir) mkdirSync(options.logDir, { recursive: true });
  }

  /** Creates a service bound to a target group (created in the proxy if missing). */
  createService(definition: ServiceDefinition): void {
    this.assertOpen();
    checkSlot(definition);
    checkDesiredCount(definition.desiredCount);
    const key = `${definition.cluster}/${definition.service}`;
    if (this.services.has(key)) throw new InvalidInputError(`service "${key}" already exists`);
    if (definition.taskDefinition !== undefined) this.runnableImage(definition.taskDefinition);
    else if (definition.desiredCount > 0) {
      throw new InvalidInputError(`service "${key}": desiredCount > 0 needs a taskDefinition`);
    }
    this.options.proxy.createTargetGroup(definition.targetGroup);
    const service: Service = {
      key,
      targetGroup: definition.targetGroup,
      taskDefinition: definition.taskDefinition ?? null,
      desiredCount: definition.desiredCount,
      tasks: new Map(),
      timer: setInterval(() => this.reconcile(service), this.reconcileIntervalMs),
      crashes: 0,
      lastCrashAt: 0,
      nextLaunchAt: 0,
      stopped: [],
    };
    service.timer.unref();
    this.services.set(key, service);
    this.reconcile(service);
  }

  /** Counts and steadiness of a service: running = desired, all on its revision and healthy. */
  async describe(slot: SlotRef): Promise<SlotStatus> {
    const service = this.service(slot);
    const health = this.healthOf(service);
    const tasks = [...service.tasks.values()];
    // ECS counts a draining task as running until its process is gone.
    const runningCount = tasks.filter((t) => t.status === 'RUNNING' || t.status === 'STOPPING').length;
    const pendingCount = tasks.filter((t) => t.status === 'PROVISIONING' || t.status === 'PENDING').length;
    const steady =
      pendingCount === 0 &&
      runningCount === service.desiredCount &&
      tasks.every(
        (t) =>
          t.status === 'RUNNING' &&
          t.taskDefinition === service.taskDefinition &&
          health.get(t.id) === 'healthy',
      );
    return {
      desiredCount: service.desiredCount,
      runningCount,
      pendingCount,
      taskDefinition: service.taskDefinition,
      steady,
    };
  }

  /** Clones `from` with `container`'s image replaced; the image must be in the catalog. */
  /** A registered local revision (InvalidInputError when unknown), as registered. */
  async readRevision(taskDefinition: string): Promise<Record<string, unknown>> {
    return this.options.taskDefinitions.get(taskDefinition);
  }

  async registerRevision(input: { from: string; container: string; image: string }): Promise<string> {
    this.options.catalog.resolve(input.image);
    return this.options.taskDefinitions.cloneWithImage(input.from, input.container, input.image);
  }

  /** Points the service at a revision and a desired count; the rollout runs in the background. */
  async deploy(slot: SlotRef, taskDefinition: string, desiredCount: number): Promise<void> {
    this.assertOpen();
    const service = this.service(slot);
    checkDesiredCount(desiredCount);
    this.runnableImage(taskDefinition);
    service.taskDefinition = taskDefinition;
    service.desiredCount = desiredCount;
    this.reconcile(service);
  }

  /** Changes the desired count only. */
  async scale(slot: SlotRef, desiredCount: number): Promise<void> {
    this.assertOpen();
    const service = this.service(slot);
    checkDesiredCount(desiredCount);
    if (desiredCount > 0 && service.taskDefinition === null) {
      throw new InvalidInputError(`service "${service.key}" has no task definition yet: deploy one first`);
    }
    service.desiredCount = desiredCount;
    this.reconcile(service);
  }

  /** The service's tasks that stopped at or after `sinceMs`, oldest first (crashes and the fleet's own stops). */
  async stoppedTasks(slot: SlotRef, sinceMs: number): Promise<StoppedTask[]> {
    const service = this.service(slot);
    return service.stopped.filter((t) => t.stoppedAt >= sinceMs).map((t) => structuredClone(t));
  }

  /** The service's tasks with their process and target health (for reports and debugging). */
  tasks(slot: SlotRef): TaskInfo[] {
    const service = this.service(slot);
    const health = this.healthOf(service);
    return [...service.tasks.values()].map((t) => ({
      id: t.id,
      taskDefinition: t.taskDefinition,
      status: t.status,
      pid: t.child?.pid ?? null,
      port: t.port,
      health: health.get(t.id) ?? null,
    }));
  }

  /** Terminates every task process without draining (shutdown). Safe to call twice. */
  stopAll(): Promise<void> {
    this.closing ??= (async () => {
      const exits: Promise<void>[] = [];
      for (const service of this.services.values()) {
        clearInterval(service.timer);
        for (const task of service.tasks.values()) {
          task.status = 'STOPPING';
          if (task.registered) {
            this.options.proxy.deregisterTarget(service.targetGroup, task.id).catch(() => undefined);
          }
          const child = task.child;
          if (child && !task.exited) {
            exits.push(new Promise((resolve) => child.once('exit', () => resolve())));
            this.signal(task, 'SIGTERM');
            task.killTimer ??= setTimeout(
              () => this.signal(task, 'SIGKILL'),
              Math.min(this.stopTimeoutMs, 2000),
            );
            task.killTimer.unref();
          }
        }
      }
      await Promise.all(exits);
    })();
    return this.closing;
  }

  private assertOpen(): void {
    if (this.closing) throw new GreenlightError('the process fleet is stopped');
  }

  private service(slot: SlotRef): Service {
    checkSlot(slot);
    const key = `${slot.cluster}/${slot.service}`;
    const service = this.services.get(key);
    if (!service) {
      const known = [...this.services.keys()].join(', ') || 'none';
      throw new InvalidInputError(`service "${key}" does not exist (known: ${known})`, [
        { path: 'slot', message: 'unknown service' },
      ]);
    }
    return service;
  }

  /** Checks that a revision exists and its service container's image runs locally. */
  private runnableImage(taskDefinition: string): void {
    const td = this.options.taskDefinitions.get(taskDefinition);
    this.options.catalog.resolve(serviceContainer(td).image);
  }

  private healthOf(service: Service): Map<string, TargetState> {
    try {
      return new Map(this.options.proxy.targets(service.targetGroup).map((t) => [t.id, t.state]));
    } catch {
      return new Map();
    }
  }

  // ---- the service scheduler ----

  private reconcile(service: Service): void {
    if (this.closing) return;
    const health = this.healthOf(service);
    const isHealthy = (t: Task) => t.status === 'RUNNING' && health.get(t.id) === 'healthy';

    // ECS replaces tasks that fail their load balancer health checks.
    for (const task of service.tasks.values()) {
      if (task.status === 'RUNNING' && health.get(task.id) === 'unhealthy') {
        this.recordCrash(service);
        this.stopTask(service, task, {
          stopCode: 'ServiceSchedulerInitiated',
          stoppedReason: `Task failed ELB health checks in (target-group ${service.targetGroup})`,
        });
      }
    }

    const live = [...service.tasks.values()].filter((t) => t.status !== 'STOPPING');
    const current = live.filter((t) => t.taskDefinition === service.taskDefinition);
    const old = live.filter((t) => t.taskDefinition !== service.taskDefinition);
    const desired = service.desiredCount;

    if (service.taskDefinition && current.length < desired && Date.now() >= service.nextLaunchAt) {
      for (let i = current.length; i < desired; i += 1) this.startTask(service, service.taskDefinition);
    }

    // Rolling update with minimum healthy 100 %: an old task stops only once a new one is healthy.
    const oldToKeep = Math.max(0, desired - current.filter(isHealthy).length);
    const byHealthLast = (a: Task, b: Task) => Number(isHealthy(a)) - Number(isHealthy(b));
    // What ECS says of a task it stops on a deployment or a scale-in: an expected stop.
    const scaling: StopCause = {
      stopCode: 'ServiceSchedulerInitiated',
      stoppedReason: `Scaling activity initiated by (deployment ${service.taskDefinition ?? 'none'})`,
    };
    for (const task of old.sort(byHealthLast).slice(0, Math.max(0, old.length - oldToKeep))) {
      this.stopTask(service, task, scaling);
    }
    if (current.length > desired) {
      for (const task of current.sort(byHealthLast).slice(0, current.length - desired))
        this.stopTask(service, task, scaling);
    }
  }

  private recordCrash(service: Service): void {
    const now = Date.now();
    if (now - service.lastCrashAt > CRASH_MEMORY_MS) service.crashes = 0;
    service.crashes += 1;
    service.lastCrashAt = now;
    const delay = Math.min(this.crashBackoff.maxMs, this.crashBackoff.baseMs * 2 ** (service.crashes - 1));
    service.nextLaunchAt = now + delay;
  }

  private startTask(service: Service, taskDefinition: string): void {
    const id = `${service.key.split('/')[1]}-${randomBytes(4).toString('hex')}`;
    const task: Task = {
      id,
      taskDefinition,
      status: 'PROVISIONING',
      port: null,
      child: null,
      registered: false,
      exited: false,
      killTimer: null,
      container: null,
      stopCause: null,
    };
    service.tasks.set(id, task);
    this.launch(service, task).catch((error: unknown) => {
      // Anything unexpected while starting is a failed start: the scheduler tries again later.
      this.recordCrash(service);
      const cause: StopCause = {
        stopCode: 'TaskFailedToStart',
        stoppedReason: `CannotStartContainerError: ${(error as Error)?.message ?? String(error)}`,
      };
      if (task.child) this.stopTask(service, task, cause);
      else {
        service.tasks.delete(task.id);
        // A task the fleet had already stopped before its process existed was recorded then.
        if (task.status !== 'STOPPING') this.recordStop(service, task, cause, null);
      }
    });
  }

  private async launch(service: Service, task: Task): Promise<void> {
    const td = this.options.taskDefinitions.get(task.taskDefinition);
    const container = serviceContainer(td);
    task.container = container.name;
    const image = this.options.catalog.resolve(container.image);
    const commandLine = this.options.catalog.commandLine(container.image);
    task.port = await findFreePort();
    if (task.status !== 'PROVISIONING') {
      service.tasks.delete(task.id);
      return;
    }
    const env: Record<string, string> = {
      ...this.baseEnvironment,
      ...image.environment,
      ...Object.fromEntries((container.environment ?? []).map((e) => [e.name, e.value])),
      PORT: String(task.port),
    };
    const output = this.openLog(service, task);
    let child: ChildProcess;
    try {
      // The demo app listens on an IPC channel so it exits if this process dies abruptly.
      child = spawn(commandLine.file, commandLine.args, {
        env,
        stdio: ['ignore', output, output, ...(image.command === 'demo-app' ? (['ipc'] as const) : [])],
      });
    } finally {
      if (typeof output === 'number') closeSync(output);
    }
    task.child = child;
    killOnExit(child);
    let exitHandled = false;
    const onExit = (exitCode: number | null) => {
      if (exitHandled) return;
      exitHandled = true;
      this.onExit(service, task, exitCode);
    };
    child.once('exit', (code, signal) => onExit(code ?? signalExitCode(signal)));
    // 'error' without a pid means the command could not be spawned at all: no 'exit' follows.
    child.once('error', (error) => {
      if (child.pid !== undefined) return;
      task.stopCause ??= {
        stopCode: 'TaskFailedToStart',
        stoppedReason: `CannotStartContainerError: ${error.message}`,
      };
      onExit(null);
    });
    task.status = 'PENDING';

    const listening = await waitForPort(
      task.port,
      this.startTimeoutMs,
      () => task.exited || task.status !== 'PENDING',
    );
    if (task.status !== 'PENDING' || task.exited) return;
    if (!listening) {
      this.recordCrash(service);
      this.stopTask(service, task, {
        stopCode: 'TaskFailedToStart',
        stoppedReason: `Task failed to start: container ${container.name} did not accept connections on port ${task.port} within ${this.startTimeoutMs} ms`,
      });
      return;
    }
    this.options.proxy.registerTarget(service.targetGroup, { id: task.id, host: LOCALHOST, port: task.port });
    task.registered = true;
    task.status = 'RUNNING';
  }

  private openLog(service: Service, task: Task): number | 'ignore' {
    if (!this.options.logDir) return 'ignore';
    const file = path.join(this.options.logDir, `${service.key.replace('/', '.')}.${task.id}.log`);
    return openSync(file, 'a');
  }

  private onExit(service: Service, task: Task, exitCode: number | null): void {
    task.exited = true;
    if (task.killTimer) clearTimeout(task.killTimer);
    if (task.status !== 'STOPPING') {
      // Exited on its own: take it out of rotation at once and let the scheduler replace it.
      this.recordCrash(service);
      task.status = 'STOPPING';
      if (task.registered) {
        this.options.proxy.deregisterTarget(service.targetGroup, task.id).catch(() => undefined);
      }
    }
    service.tasks.delete(task.id);
    // The fleet's own shutdown is not a stop of the service's tasks.
    if (!this.closing) {
      const cause = task.stopCause ?? {
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
      };
      this.recordStop(service, task, cause, exitCode);
      setImmediate(() => this.reconcile(service));
    }
  }

  /** Remembers a stopped task as DescribeTasks would show it. */
  private recordStop(service: Service, task: Task, cause: StopCause, exitCode: number | null): void {
    const now = this.clock.now();
    const container = task.container ?? 'app';
    service.stopped.push({
      id: task.id,
      stoppedAt: now,
      stopCode: cause.stopCode,
      stoppedReason: cause.stoppedReason,
      containers: [{ name: container, ...(exitCode === null ? {} : { exitCode }) }],
    });
    const keepFrom = service.stopped.findIndex((t) => now - t.stoppedAt <= STOPPED_TASK_RETENTION_MS);
    service.stopped.splice(0, keepFrom === -1 ? service.stopped.length : keepFrom);
    if (service.stopped.length > MAX_STOPPED_TASKS)
      service.stopped.splice(0, service.stopped.length - MAX_STOPPED_TASKS);
  }

  /** Drains the task's target, then SIGTERM, then SIGKILL after the stop timeout. */
  private stopTask(service: Service, task: Task, cause: StopCause): void {
    if (task.status === 'STOPPING') return;
    task.status = 'STOPPING';
    task.stopCause = cause;
    if (!task.child) {
      // launch() sees the status and never spawns it: ECS shows such a task stopped too.
      this.recordStop(service, task, cause, null);
      return;
    }
    const drained = task.registered
      ? this.options.proxy.deregisterTarget(service.targetGroup, task.id).catch(() => undefined)
      : Promise.resolve();
    void drained.then(() => {
      if (task.exited) return;
      this.signal(task, 'SIGTERM');
      task.killTimer = setTimeout(() => this.signal(task, 'SIGKILL'), this.stopTimeoutMs);
      task.killTimer.unref();
    });
  }

  private signal(task: Task, signal: NodeJS.Signals): void {
    if (task.exited || !task.child) return;
    try {
      task.child.kill(signal);
    } catch {
      // Already gone: its 'exit' event does the bookkeeping.
    }
  }
}

/** A process killed by a signal reports no exit code; a container's is 128 + the signal number. */
function signalExitCode(signal: NodeJS.Signals | null): number | null {
  if (!signal) return null;
  const number = osConstants.signals[signal];
  return number === undefined ? null : 128 + number;
}
