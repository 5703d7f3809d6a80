/**
 * Fault injection on the in-memory world (simulated AWS): every call a deployment makes to a port
 * is a numbered call site; a run can make one of them fail — before its side effect, after it
 * (the call took effect but the Lambda died), as a timeout after it, or throttled twice — and the
 * safety invariants are checked once the workflow has ended.
 */
import { NOTIFICATION_FAILED, NOTIFICATION_SENT } from '../../functions/deploy/finish';
import { reconcile } from '../../functions/reconcile/reconcile';
import { soleColor, otherColor, type Color } from '../../shared/domain/colors';
import { OUTCOMES } from '../../shared/domain/end-state';
import { seededRandom, type Random } from '../../shared/domain/statistics/random';
import type { ExecutionStatus } from '../../shared/ports/executions';
import { ThrottlingError } from '../../shared/domain/errors';
import type { DeployRequestInput } from '../../shared/domain/deployment';
import { describeScaling, HELD_AT_ZERO, type ScalingConfig } from '../../shared/domain/scaling';
import type { RunResult } from '../../shared/local/sfn/engine';
import {
  MEMORY_SCALING,
  memoryRequest,
  memoryTestTraffic,
  memoryWorld,
  runInMemory,
  type MemoryWorld,
} from './memory-world';
import { specFor } from '../fixtures/spec';

export const FAULT_KINDS = ['error-before', 'error-after', 'timeout', 'throttle', 'outage'] as const;
/** `outage`: the call fails, and so does every later call of the same method (SNS down for good). */
const OUTAGE_CALLS = new Set(['notifier.notify']);

/** Whether a `kind` fault applies at `site`: an outage is modelled for the notifier only. */
export function faultApplies(kind: FaultKind, site: { call: string }): boolean {
  return kind !== 'outage' || OUTAGE_CALLS.has(site.call);
}
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface CallSite {
  index: number;
  state: string;
  call: string;
}

export interface FaultPoint extends CallSite {
  kind: FaultKind;
}

/** The port methods a deployment calls, by the world's dependency name. */
const PORT_METHODS: Record<string, string[]> = {
  alarms: ['firing', 'missing'],
  fleet: ['describe', 'registerRevision', 'deploy', 'scale', 'stoppedTasks'],
  router: ['getWeights', 'setWeights', 'targetHealth', 'stickiness'],
  metrics: ['sample'],
  probe: ['run'],
  scaling: ['read', 'suspend', 'restore', 'holdAtZero'],
  store: [
    'acquireLock',
    'releaseLock',
    'createDeployment',
    'updateDeployment',
    'getDeployment',
    'listServiceDeployments',
    'appendEvent',
    'listEvents',
  ],
  notifier: ['notify'],
};

/** An injected failure; the name is what Step Functions would match on. */
export class InjectedFault extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

class Injector {
  readonly calls: CallSite[] = [];
  state = '(none)';
  private throttled: { call: string; remaining: number } | null = null;
  private down: string | null = null;

  constructor(private readonly fault: FaultPoint | null) {}

  async call<T>(call: string, invoke: () => Promise<T>): Promise<T> {
    const index = this.calls.length;
    this.calls.push({ index, state: this.state, call });
    const fault = this.fault;
    if (fault?.kind === 'throttle' && fault.index === index) this.throttled = { call, remaining: 2 };
    if (fault?.kind === 'outage' && fault.index === index) this.down = call;
    if (this.down === call) throw new InjectedFault('InternalErrorException', `injected outage of ${call}`);
    if (this.throttled?.call === call && this.throttled.remaining > 0) {
      this.throttled.remaining -= 1;
      throw new ThrottlingError(`injected throttling on ${call}`);
    }
    if (fault?.index !== index) return invoke();
    if (fault.kind === 'error-before')
      throw new InjectedFault('InjectedFault', `injected failure before ${call} in ${fault.state}`);
    const result = await invoke();
    if (fault.kind === 'timeout')
      throw new InjectedFault('States.Timeout', `injected timeout after ${call} in ${fault.state}`);
    if (fault.kind === 'error-after')
      throw new InjectedFault('InjectedFault', `injected failure after ${call} in ${fault.state}`);
    return result;
  }
}

function instrument(world: MemoryWorld, injector: Injector): MemoryWorld {
  const wrapped = { ...world } as Record<string, unknown>;
  for (const [port, methods] of Object.entries(PORT_METHODS)) {
    const target = (
      world as unknown as Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>>
    )[port]!;
    const proxy = Object.create(target) as Record<string, unknown>;
    for (const method of methods) {
      const original = target[method]!;
      proxy[method] = (...args: unknown[]) =>
        injector.call(`${port}.${method}`, () => original.apply(target, args));
    }
    wrapped[port] = proxy;
  }
  return wrapped as unknown as MemoryWorld;
}

export interface Scenario {
  name: string;
  request: DeployRequestInput;
  /** Makes the world behave as the scenario needs (e.g. the new color serving errors). */
  prepare?: (world: MemoryWorld) => void;
}

/**
 * A healthy release (the promotion path) and a faulty one (the rollback path), each also with the
 * test-traffic phase (the faulty one caught there by its probes: 2 of every 10 answer 503).
 */
export const SCENARIOS: Scenario[] = [
  { name: 'good release', request: memoryRequest({ spec: specFor({ bakeSeconds: 1 }, { pace: 'memory' }) }) },
  {
    name: 'bad release',
    request: memoryRequest({ spec: specFor({ bakeSeconds: 1 }, { pace: 'memory' }) }),
    prepare: (world) => {
      world.metrics.windows.green = { requests: 200, errors: 40, p50Ms: 5, p99Ms: 20 };
    },
  },
  {
    name: 'good release, test traffic',
    request: memoryRequest({
      spec: specFor({ bakeSeconds: 1, ...memoryTestTraffic({ holdSeconds: 1 }) }, { pace: 'memory' }),
    }),
  },
  {
    name: 'bad release, test traffic',
    request: memoryRequest({ spec: specFor({ bakeSeconds: 1, ...memoryTestTraffic() }, { pace: 'memory' }) }),
    prepare: (world) => {
      world.probe.respond = (_config, i) => ({ status: i % 5 === 4 ? 503 : 200, latencyMs: 5 });
    },
  },
];

export interface FaultRun {
  scenario: string;
  point: FaultPoint | null;
  status: string;
  outcome: string | null;
  violations: string[];
}

async function runScenario(
  scenario: Scenario,
  fault: FaultPoint | null,
): Promise<{ world: MemoryWorld; injector: Injector; result: RunResult }> {
  const world = memoryWorld();
  scenario.prepare?.(world);
  const injector = new Injector(fault);
  const result = await runInMemory(instrument(world, injector), scenario.request, {
    onTask: (state) => {
      injector.state = state;
    },
  });
  return { world, injector, result };
}

/** The call sites of a scenario's fault-free run: where faults can be injected. */
export async function callSites(scenario: Scenario): Promise<CallSite[]> {
  return (await runScenario(scenario, null)).injector.calls;
}

const sameScaling = (a: ScalingConfig | null, b: ScalingConfig | null) =>
  JSON.stringify(a) === JSON.stringify(b);

/** History events that close a deployment: its outcome, or a repair. */
const CLOSING_EVENTS = new Set<string>([...OUTCOMES, 'REPAIRED']);

/**
 * What must hold after any deployment, whatever failed: all traffic on one color whose tasks
 * are up, the other color at 0, the live color with the service's scaling configuration (the one
 * the originally live color had) and the other color's scalable target held at 0, the lock free,
 * a final record that agrees with the traffic, and exactly one outcome notification.
 */
export function invariantViolations(
  world: MemoryWorld,
  originalLive: Color,
  options: { notifierDown?: boolean } = {},
): string[] {
  const violations: string[] = [];
  const live = soleColor(world.router.weights);
  const slot = (color: Color) => world.fleet.services.get(`local/web-${color}`);
  if (!live) {
    violations.push(
      `traffic split: blue ${world.router.weights.blue} % / green ${world.router.weights.green} %`,
    );
  } else {
    const liveSlot = slot(live);
    const health = world.router.health[`web-${live}-tg`];
    if (!liveSlot || liveSlot.desiredCount < 1 || !health || health.healthy < 1) {
      violations.push(
        `live color ${live} has no healthy task (desired ${liveSlot?.desiredCount}, healthy ${health?.healthy})`,
      );
    }
    const idle = slot(otherColor(live));
    if (idle?.desiredCount !== 0)
      violations.push(`idle color ${otherColor(live)} still has ${idle?.desiredCount} tasks`);
    const target = (color: Color) => world.scaling.target({ cluster: 'local', service: `web-${color}` });
    const service = MEMORY_SCALING[originalLive];
    if (!sameScaling(target(live), service)) {
      violations.push(
        `live color ${live} scaling is ${describeScaling(target(live))}, not the service's (${describeScaling(service)})`,
      );
    }
    if (!sameScaling(target(otherColor(live)), HELD_AT_ZERO)) {
      violations.push(
        `idle color ${otherColor(live)} scaling is ${describeScaling(target(otherColor(live)))}, not held at 0`,
      );
    }
  }
  if (world.store.locks.size > 0)
    violations.push(`lock still held by ${[...world.store.locks.values()].map((l) => l.owner).join(', ')}`);
  const record = [...world.store.records.values()][0];
  if (!record) violations.push('no deployment record');
  else {
    if (record.status === 'IN_PROGRESS') violations.push('record still IN_PROGRESS');
    if (record.status !== 'PROMOTED' && !record.error)
      violations.push(`record ${record.status} without an error`);
    const expectedLive = record.status === 'PROMOTED' ? otherColor(originalLive) : originalLive;
    if (live && live !== expectedLive) violations.push(`record says ${record.status} but ${live} is live`);
    // A test listener the deployment used ends where production traffic is: on the live color.
    const testListener = record.spec?.testTraffic?.listener;
    const testWeights = testListener ? world.router.listeners.get(testListener) : undefined;
    if (live && testWeights && soleColor(testWeights) !== live) {
      violations.push(
        `test listener on blue ${testWeights.blue} % / green ${testWeights.green} % while ${live} is live`,
      );
    }
  }
  // A repair's notification closes a deployment too: a deployment that ended by itself and was
  // then "repaired" has two outcomes, one of them false.
  const outcomes = world.notifier.sent.filter(
    (n) => n.attributes.event === 'deployment' || n.attributes.outcome === 'REPAIRED',
  );
  if (options.notifierDown) {
    // Nothing can go out; the record must say so, and nothing may stay locked for it.
    const types = record ? (world.store.events.get(record.id) ?? []).map((e) => e.type) : [];
    if (outcomes.length !== 0) violations.push(`${outcomes.length} outcome notifications with SNS down`);
    if (!types.includes(NOTIFICATION_FAILED) || types.includes(NOTIFICATION_SENT))
      violations.push('notification never sent, and the record does not say so');
  } else if (outcomes.length !== 1) violations.push(`${outcomes.length} outcome notifications`);
  if (record) {
    const closings = (world.store.events.get(record.id) ?? []).filter((e) => CLOSING_EVENTS.has(e.type));
    if (closings.length > 1)
      violations.push(`record closed ${closings.length} times (${closings.map((e) => e.type).join(', ')})`);
  }
  return violations;
}

/** Runs the scenario once with the fault and checks the invariants. */
export async function runWithFault(scenario: Scenario, point: FaultPoint | null): Promise<FaultRun> {
  const { world, result } = await runScenario(scenario, point);
  // Time passes after the end: Auto Scaling acts once more on whatever the deployment left.
  world.scaling.act();
  return {
    scenario: scenario.name,
    point,
    status: result.status,
    outcome: [...world.store.records.values()][0]?.status ?? null,
    violations: invariantViolations(world, 'blue', { notifierDown: point?.kind === 'outage' }),
  };
}

/** Every call site of every scenario times every fault kind. */
export async function faultMatrix(
  scenarios: Scenario[] = SCENARIOS,
  kinds: readonly FaultKind[] = FAULT_KINDS,
): Promise<{ scenario: Scenario; point: FaultPoint }[]> {
  const points: { scenario: Scenario; point: FaultPoint }[] = [];
  for (const scenario of scenarios) {
    for (const site of await callSites(scenario)) {
      for (const kind of kinds) {
        if (!faultApplies(kind, site)) continue;
        points.push({ scenario, point: { ...site, kind } });
      }
    }
  }
  return points;
}

/** Lets `n` turns of the event loop pass, so other work in flight runs in between. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** The world with every port call delayed by 0..`maxTurns` event-loop turns, drawn from `random`. */
function delayed(world: MemoryWorld, random: Random, maxTurns: number): MemoryWorld {
  const wrapped = { ...world } as Record<string, unknown>;
  for (const [port, methods] of Object.entries(PORT_METHODS)) {
    const target = (
      world as unknown as Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>>
    )[port]!;
    const proxy = Object.create(target) as Record<string, unknown>;
    for (const method of [...methods, ...(port === 'store' ? ['listOpenDeployments', 'listServices'] : [])]) {
      const original = target[method]!;
      proxy[method] = async (...args: unknown[]) => {
        await turns(Math.floor(random() * (maxTurns + 1)));
        return original.apply(target, args);
      };
    }
    wrapped[port] = proxy;
  }
  return wrapped as unknown as MemoryWorld;
}

export interface RaceRun extends FaultRun {
  seed: number;
  /** Task boundaries at which a reconcile run started. */
  reconcileAt: number[];
  repairs: number;
}

/**
 * One deployment with reconcile runs started concurrently at seeded Task boundaries (and one as
 * the execution ends), every port call of both delayed by a seeded number of event-loop turns so
 * their calls interleave differently with each seed; reconcile's calls are the slower ones (they
 * cross the network to Step Functions and DynamoDB while the deployment's steps run on). Execution
 * status is RUNNING until the workflow has ended, as Step Functions reports it. Then the
 * invariants of the fault matrix are checked.
 */
export async function runWithReconcileRace(scenario: Scenario, seed: number, runs = 3): Promise<RaceRun> {
  const world = memoryWorld();
  scenario.prepare?.(world);
  const random = seededRandom(seed);
  let ended: RunResult | null = null;
  const executions = {
    status: async (): Promise<ExecutionStatus> => {
      await turns(Math.floor(random() * 40));
      return ended ? ended.status : 'RUNNING';
    },
  };
  // Roughly where the run's Task boundaries are (a good release has about 30): biased to the end,
  // where the deployment finishes.
  const reconcileAt = Array.from({ length: runs }, () => Math.floor(Math.sqrt(random()) * 36)).sort(
    (a, b) => a - b,
  );
  const reconciles: Promise<unknown>[] = [];
  const startReconcile = () =>
    reconciles.push(reconcile({ ...delayed(world, random, 12), executions }).catch((e: unknown) => e));
  let task = 0;
  const result = await runInMemory(delayed(world, random, 2), scenario.request, {
    onTask: () => {
      for (const at of reconcileAt) if (at === task) startReconcile();
      task += 1;
    },
  }).then((r) => {
    ended = r;
    startReconcile();
    return r;
  });
  const reports = await Promise.all(reconciles);
  world.scaling.act();
  const violations = invariantViolations(world, 'blue');
  for (const report of reports)
    if (report instanceof Error) violations.push(`reconcile threw: ${report.message}`);
  return {
    scenario: scenario.name,
    point: null,
    status: result.status,
    outcome: [...world.store.records.values()][0]?.status ?? null,
    violations,
    seed,
    reconcileAt,
    repairs: world.notifier.sent.filter((n) => n.attributes.outcome === 'REPAIRED').length,
  };
}
