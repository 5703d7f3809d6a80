/**
 * Fault injection on the scheduled-task machine (simulated AWS: the memory world of
 * memory-schedules.ts, the real statemachines/scheduled-task.asl.json and step handlers). Every
 * call a run makes to a port (run ledger = DynamoDB, task runner and task definitions = ECS,
 * notifier = SNS) is a numbered call site; one run makes one of them fail, and the invariants are
 * checked once the machine has ended:
 * - the overlap guard is not left held by the run;
 * - the run has exactly one record in the ledger, with a terminal status, written by its own
 *   execution only (a duplicate delivery leaves the first delivery's record alone), and every
 *   final write of it says the same outcome;
 * - no task the run started is still running, and under forbid / replace no task was started
 *   while another task of the schedule ran.
 *
 * Fault kinds, as each reaches a step (after the SDK's own retries):
 * - `throttle`: the call is throttled twice (ThrottlingError, which the machine retries), then works;
 * - `5xx`: the call fails before its side effect with a service error the machine does not retry;
 * - `timeout`: the call takes effect, then the step exceeds its timeout (States.Timeout);
 * - `crash`: the call takes effect, then the function dies (Lambda.Unknown);
 * - `outage`: SNS fails on this and every later publish (the notifier only).
 */
import { ThrottlingError } from '../../shared/domain/errors';
import { slotRunId } from '../../shared/domain/schedules/run-id';
import { parseScheduleSpec } from '../../shared/domain/schedules/schedule-spec';
import type { RunResult } from '../../shared/local/sfn/engine';
import {
  memoryScheduleSpec,
  runScheduled,
  scheduledInput,
  scheduleWorld,
  SLOT,
  type ScheduleWorld,
} from './memory-schedules';

export const SCHEDULE_FAULT_KINDS = ['throttle', '5xx', 'timeout', 'crash', 'outage'] as const;
export type ScheduleFaultKind = (typeof SCHEDULE_FAULT_KINDS)[number];

/** Whether a `kind` fault applies at `call`: an outage is modelled for the notifier only. */
export const scheduleFaultApplies = (kind: ScheduleFaultKind, call: string) =>
  kind !== 'outage' || call === 'notifier.notify';

export interface ScheduleCallSite {
  index: number;
  state: string;
  call: string;
}
export interface ScheduleFaultPoint extends ScheduleCallSite {
  kind: ScheduleFaultKind;
}

const PORT_METHODS: Record<string, string[]> = {
  ledger: [
    'claimRun',
    'recordRun',
    'getRun',
    'listRuns',
    'previousOutcome',
    'acquireGuard',
    'takeOverGuard',
    'setGuardTask',
    'holdsGuard',
    'releaseGuard',
  ],
  tasks: ['serviceTaskDefinition', 'start', 'describe', 'stop'],
  taskDefinitions: ['describe'],
  notifier: ['notify'],
};

/** An injected failure; the name is what Step Functions matches Retry and Catch on. */
class InjectedFault extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

class Injector {
  readonly calls: ScheduleCallSite[] = [];
  state = '(none)';
  private throttled: { call: string; remaining: number } | null = null;
  private down: string | null = null;

  constructor(private readonly fault: ScheduleFaultPoint | null) {}

  async call<T>(call: string, invoke: () => Promise<T>): Promise<T> {
    const index = this.calls.length;
    this.calls.push({ index, state: this.state, call });
    const fault = this.fault;
    if (fault?.index === index && fault.kind === 'throttle') this.throttled = { call, remaining: 2 };
    if (fault?.index === index && fault.kind === 'outage') this.down = call;
    if (this.down === call) throw new InjectedFault('SnsNotifierError', `injected outage of ${call}`);
    if (this.throttled?.call === call && this.throttled.remaining > 0) {
      this.throttled.remaining -= 1;
      throw new ThrottlingError(`injected throttling on ${call}`);
    }
    if (fault?.index !== index || fault.kind === 'throttle') return invoke();
    if (fault.kind === '5xx')
      throw new InjectedFault('InjectedServerError', `injected 5xx before ${call} in ${fault.state}`);
    await invoke();
    if (fault.kind === 'timeout')
      throw new InjectedFault('States.Timeout', `injected timeout after ${call} in ${fault.state}`);
    throw new InjectedFault('Lambda.Unknown', `injected crash after ${call} in ${fault.state}`);
  }
}

/** Tasks that were running when each start was asked for (the overlap check). */
export interface StartWatch {
  concurrent: string[][];
}

function instrument(world: ScheduleWorld, injector: Injector, watch: StartWatch): ScheduleWorld {
  const wrapped = { ...world } as Record<string, unknown>;
  for (const [port, methods] of Object.entries(PORT_METHODS)) {
    const target = (
      world as unknown as Record<string, Record<string, (...a: unknown[]) => Promise<unknown>>>
    )[port]!;
    const proxy = Object.create(target) as Record<string, unknown>;
    for (const method of methods) {
      const original = target[method]!;
      proxy[method] = (...args: unknown[]) =>
        injector.call(`${port}.${method}`, () => {
          if (port === 'tasks' && method === 'start') {
            // A repeated RunTask with the same token is the same task, not a second one.
            const token = (args[0] as { clientToken: string }).clientToken;
            watch.concurrent.push(
              [...world.tasks.tasks.values()]
                .filter((t) => t.stopped === null && t.request.clientToken !== token)
                .map((t) => t.arn),
            );
          }
          return original.apply(target, args);
        });
    }
    wrapped[port] = proxy;
  }
  return wrapped as unknown as ScheduleWorld;
}

export interface ScheduleScenario {
  name: string;
  spec: ReturnType<typeof memoryScheduleSpec>;
  /** When the delivery arrives, from the slot (ms). */
  lateByMs?: number;
  /** Makes the world as the scenario needs: scripts, a previous run holding the guard, a claim. */
  prepare?: (world: ScheduleWorld, spec: ReturnType<typeof memoryScheduleSpec>) => Promise<void> | void;
  /** Under forbid / replace, no task may start while another of the schedule runs. */
  guarded: boolean;
  /** The slot was claimed by another execution before this delivery. */
  duplicate?: boolean;
}

const PREVIOUS_SLOT = SLOT - 60_000;

/** A previous run of the schedule holding the guard with a task that runs until stopped. */
async function previousRunHolding(world: ScheduleWorld, spec: ReturnType<typeof memoryScheduleSpec>) {
  const runId = slotRunId(spec.name, PREVIOUS_SLOT);
  const now = world.clock.now();
  await world.ledger.claimRun({
    schedule: spec.name,
    runId,
    trigger: 'schedule',
    slotAt: PREVIOUS_SLOT,
    execution: 'exec-previous',
    cluster: spec.cluster,
    startedAt: now - 60_000,
    expiresAt: now + 86_400_000,
  });
  await world.ledger.acquireGuard(spec.name, runId, 3_600_000, now - 60_000);
  world.tasks.script({ exitCodes: {}, looks: Infinity });
  const started = await world.tasks.start({
    cluster: spec.cluster,
    taskDefinition: 'report',
    startedBy: 'greenlight/schedule/previous',
    clientToken: 'previous-run',
    tags: [],
  });
  if (!started.started) throw new Error('previous run: no task');
  await world.ledger.setGuardTask(spec.name, runId, started.taskArn, now);
  world.tasks.starts.length = 0;
}

/** The cases of `npm run demo -- schedules`, each as one delivery of one slot. */
export const SCHEDULE_SCENARIOS: ScheduleScenario[] = [
  { name: 'success', spec: memoryScheduleSpec(), guarded: true },
  {
    name: 'exit 3, alerted',
    spec: memoryScheduleSpec(),
    guarded: true,
    prepare: (w) => void w.tasks.script({ exitCodes: { job: 3, 'log-router': 0 } }),
  },
  {
    name: 'overruns its limit',
    spec: memoryScheduleSpec({ timeoutSeconds: 120 }),
    guarded: true,
    prepare: (w) => {
      w.tasks.msPerLook = 30_000;
      w.tasks.script({ exitCodes: {}, looks: Infinity });
    },
  },
  {
    name: 'capacity failure, retried',
    spec: memoryScheduleSpec(),
    guarded: true,
    prepare: (w) => void w.tasks.script({ failures: [{ reason: 'RESOURCE:MEMORY' }] }),
  },
  {
    name: 'sidecar killed (137), job 0',
    spec: memoryScheduleSpec({ overlap: 'allow' }),
    guarded: false,
    prepare: (w) => void w.tasks.script({ exitCodes: { job: 0, 'log-router': 137 } }),
  },
  {
    name: 'overlap forbid',
    spec: memoryScheduleSpec({ overlap: 'forbid', startingDeadlineSeconds: 7200 }),
    guarded: true,
    prepare: previousRunHolding,
  },
  {
    name: 'overlap replace',
    spec: memoryScheduleSpec({ overlap: 'replace', startingDeadlineSeconds: 7200 }),
    guarded: true,
    prepare: previousRunHolding,
  },
  {
    name: 'duplicate delivery',
    spec: memoryScheduleSpec(),
    guarded: true,
    duplicate: true,
    prepare: async (w, spec) => {
      await w.ledger.claimRun({
        schedule: spec.name,
        runId: slotRunId(spec.name, SLOT),
        trigger: 'schedule',
        slotAt: SLOT,
        execution: 'exec-first-delivery',
        cluster: spec.cluster,
        startedAt: SLOT + 1_000,
        expiresAt: SLOT + 86_400_000,
      });
    },
  },
  { name: 'delivered past its deadline', spec: memoryScheduleSpec(), guarded: true, lateByMs: 3_600_000 },
];

export interface ScheduleFaultRun {
  scenario: string;
  point: ScheduleFaultPoint | null;
  status: RunResult['status'];
  outcome: string | null;
  violations: string[];
}

const EXECUTION = 'exec-under-test';

async function runScenario(scenario: ScheduleScenario, fault: ScheduleFaultPoint | null) {
  const world = scheduleWorld({ now: SLOT + (scenario.lateByMs ?? 2_000) });
  await scenario.prepare?.(world, scenario.spec);
  const before = new Set(world.tasks.tasks.keys());
  const injector = new Injector(fault);
  const watch: StartWatch = { concurrent: [] };
  const result = await runScheduled(instrument(world, injector, watch), scheduledInput(scenario.spec), {
    executionName: EXECUTION,
    onTask: (state) => {
      injector.state = state;
    },
  });
  return { world, injector, result, before, watch };
}

/** The call sites of a scenario's fault-free run. */
export async function scheduleCallSites(scenario: ScheduleScenario): Promise<ScheduleCallSite[]> {
  return (await runScenario(scenario, null)).injector.calls;
}

/** What must hold once the run has ended, whatever failed (see the file comment). */
export function scheduleInvariantViolations(
  scenario: ScheduleScenario,
  world: ScheduleWorld,
  before: Set<string>,
  watch: StartWatch,
): string[] {
  const violations: string[] = [];
  const spec = parseScheduleSpec(scenario.spec);
  const runId = slotRunId(spec.name, SLOT);
  const guard = world.ledger.guards.get(spec.name);
  if (guard?.runId === runId) violations.push('guard left held by the run');
  const records = [...world.ledger.runs.values()].filter((r) => r.runId === runId);
  const record = records[0];
  if (records.length !== 1) violations.push(`${records.length} records of the run`);
  else if (record!.status === 'RUNNING' && !scenario.duplicate) violations.push('run left RUNNING');
  if (scenario.duplicate) {
    if (record?.execution !== 'exec-first-delivery')
      violations.push('duplicate delivery overwrote the record');
  } else if (record && record.execution !== EXECUTION) {
    violations.push(`record owned by ${record.execution}`);
  }
  const finals = new Set(
    world.ledger.writes.filter((w) => w.runId === runId && w.status !== 'RUNNING').map((w) => w.status),
  );
  if (finals.size > 1) violations.push(`run recorded with different outcomes: ${[...finals].join(', ')}`);
  for (const task of world.tasks.tasks.values()) {
    if (!before.has(task.arn) && task.stopped === null) violations.push(`task ${task.arn} left running`);
  }
  if (scenario.guarded) {
    for (const running of watch.concurrent)
      if (running.length > 0) violations.push(`task started while ${running.join(', ')} ran`);
  }
  return violations;
}

/** One run of the scenario with the fault, and the invariants checked. */
export async function runScheduleWithFault(
  scenario: ScheduleScenario,
  point: ScheduleFaultPoint | null,
): Promise<ScheduleFaultRun> {
  const { world, result, before, watch } = await runScenario(scenario, point);
  const record = [...world.ledger.runs.values()].find(
    (r) => r.runId === slotRunId(parseScheduleSpec(scenario.spec).name, SLOT),
  );
  return {
    scenario: scenario.name,
    point,
    status: result.status,
    outcome: record?.outcome ?? record?.status ?? null,
    violations: scheduleInvariantViolations(scenario, world, before, watch),
  };
}

/** Every call site of every scenario times every fault kind that applies there. */
export async function scheduleFaultMatrix(
  scenarios: ScheduleScenario[] = SCHEDULE_SCENARIOS,
  kinds: readonly ScheduleFaultKind[] = SCHEDULE_FAULT_KINDS,
): Promise<{ scenario: ScheduleScenario; point: ScheduleFaultPoint }[]> {
  const points: { scenario: ScheduleScenario; point: ScheduleFaultPoint }[] = [];
  for (const scenario of scenarios) {
    for (const site of await scheduleCallSites(scenario)) {
      for (const kind of kinds)
        if (scheduleFaultApplies(kind, site.call)) points.push({ scenario, point: { ...site, kind } });
    }
  }
  return points;
}

/** The whole matrix as `npm run bench -- faults` prints it: one row per scenario and state. */
export async function scheduleFaultRows(): Promise<{
  table: string;
  data: { points: number; survived: number; failures: ScheduleFaultRun[]; outcomes: Record<string, number> };
}> {
  const started = Date.now();
  const rows = new Map<string, Record<string, { survived: number; total: number }>>();
  const failures: ScheduleFaultRun[] = [];
  const outcomes: Record<string, number> = {};
  let points = 0;
  for (const { scenario, point } of await scheduleFaultMatrix()) {
    const run = await runScheduleWithFault(scenario, point);
    points += 1;
    outcomes[run.outcome ?? 'none'] = (outcomes[run.outcome ?? 'none'] ?? 0) + 1;
    const key = `${scenario.name} / ${point.state}`;
    const row =
      rows.get(key) ?? Object.fromEntries(SCHEDULE_FAULT_KINDS.map((k) => [k, { survived: 0, total: 0 }]));
    row[point.kind]!.total += 1;
    if (run.violations.length === 0) row[point.kind]!.survived += 1;
    else failures.push(run);
    rows.set(key, row);
  }
  const cell = (c: { survived: number; total: number }) => (c.total === 0 ? '-' : `${c.survived}/${c.total}`);
  const header = ['scenario / state', ...SCHEDULE_FAULT_KINDS];
  const body = [...rows].map(([key, row]) => [key, ...SCHEDULE_FAULT_KINDS.map((k) => cell(row[k]!))]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  const survived = points - failures.length;
  return {
    table:
      `scheduled-task machine (memory world; each cell: runs whose invariants held / runs)\n` +
      [line(header), ...body.map(line)].join('\n') +
      `\n${survived} of ${points} injection points survived; outcomes ${JSON.stringify(outcomes)}; ${((Date.now() - started) / 1000).toFixed(1)} s` +
      (failures.length
        ? `\nVIOLATIONS:\n${failures.map((f) => `  ${f.scenario} ${JSON.stringify(f.point)}: ${f.violations.join('; ')}`).join('\n')}`
        : ''),
    data: { points, survived, failures, outcomes },
  };
}
