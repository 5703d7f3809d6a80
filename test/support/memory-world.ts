/**
 * A whole blue/green world in memory (simulated: no processes, no proxy, no AWS): a service with
 * blue live at 2 tasks and green at 0, run through the real state machine file and step handlers
 * with every wait and retry delay at 0. Used by path tests, fault injection and overhead benchmarks.
 */
import { createDeploySteps, type DeployDeps } from '../../functions/deploy';
import type { DeployRequestInput } from '../../shared/domain/deployment';
import { HELD_AT_ZERO, type ScalingConfig } from '../../shared/domain/scaling';
import type { DeploymentSpecInput } from '../../shared/domain/spec';
import type { Clock } from '../../shared/ports';
import {
  loadStateMachine,
  runStateMachine,
  type EngineEvent,
  type RunResult,
} from '../../shared/local/sfn/engine';
import { LocalAlarms } from '../../shared/local/cloudwatch/local-alarms';
import { slotsFor, specFor } from '../fixtures/spec';
import {
  MemoryFleet,
  MemoryMetrics,
  MemoryNotifier,
  MemoryProbe,
  MemoryRouter,
  MemoryScaling,
  MemoryStore,
  TickingClock,
  silentLogger,
} from './memory-ports';

export const BLUE_GREEN_FILE = 'blue-green.asl.json';
/** The in-memory test listener: its own weights, 100 % on blue to start with. */
export const MEMORY_TEST_LISTENER = 'local-test-listener';

/** Spec fields for a short test-traffic phase on the in-memory test listener (override any). */
export function memoryTestTraffic(
  testTraffic: Partial<NonNullable<DeploymentSpecInput['testTraffic']>> = {},
): Pick<DeploymentSpecInput, 'testTraffic' | 'probes'> {
  return {
    testTraffic: {
      listener: MEMORY_TEST_LISTENER,
      holdSeconds: 2,
      intervalSeconds: 1,
      consecutiveFailures: 2,
      timeoutSeconds: 30,
      ...testTraffic,
    },
    probes: { url: 'http://test-listener.local/health', requests: 10 },
  };
}

export function memoryRequest(overrides: Partial<DeployRequestInput> = {}): DeployRequestInput {
  return {
    deploymentId: 'd-1',
    image: 'registry.local/web:v2',
    spec: specFor({}, { pace: 'memory' }),
    requestedBy: 'test',
    ...overrides,
  };
}

/**
 * The scalable targets the in-memory service starts with: blue's as its user set it (min 1, max 4,
 * nothing suspended), green's as an earlier deployment left it (held at 0).
 */
export const MEMORY_SCALING: Record<'blue' | 'green', ScalingConfig> = {
  blue: {
    minCapacity: 1,
    maxCapacity: 4,
    suspended: { dynamicScalingIn: false, dynamicScalingOut: false, scheduledScaling: false },
  },
  green: HELD_AT_ZERO,
};

/** Auto Scaling on the in-memory service's two slots, with the MEMORY_SCALING targets. */
export function memoryScaling(fleet: MemoryFleet, service = 'web'): MemoryScaling {
  const slots = slotsFor(service);
  const scaling = new MemoryScaling(fleet);
  scaling.addTarget({ cluster: 'local', service: slots.blue.service }, MEMORY_SCALING.blue);
  scaling.addTarget({ cluster: 'local', service: slots.green.service }, MEMORY_SCALING.green);
  return scaling;
}

/**
 * Blue live with 2 healthy tasks on `app:1`, green empty, all traffic on blue; both services have
 * a scalable target (MEMORY_SCALING).
 */
export function memoryWorld(options: { clock?: Clock; service?: string } = {}) {
  const router = new MemoryRouter();
  const fleet = new MemoryFleet(router);
  const slots = slotsFor(options.service ?? 'web');
  fleet.addService({ cluster: 'local', service: slots.blue.service }, slots.blue.targetGroup, 'app:1', 2);
  fleet.addService({ cluster: 'local', service: slots.green.service }, slots.green.targetGroup, null, 0);
  router.listeners.set(MEMORY_TEST_LISTENER, { blue: 100, green: 0 });
  const scaling = memoryScaling(fleet, options.service);
  return {
    alarms: new LocalAlarms(),
    router,
    fleet,
    metrics: new MemoryMetrics(),
    probe: new MemoryProbe(),
    scaling,
    store: new MemoryStore(),
    notifier: new MemoryNotifier(),
    // Each read moves time on, so holds and deadlines pass without real waiting.
    clock: options.clock ?? new TickingClock(Date.UTC(2026, 0, 1), 500),
    logger: silentLogger(),
  };
}
export type MemoryWorld = ReturnType<typeof memoryWorld>;

const { definition } = loadStateMachine(BLUE_GREEN_FILE);
const ZERO_WAITS = Object.fromEntries(
  Object.entries(definition.States)
    .filter(([, s]) => s.Type === 'Wait')
    .map(([name]) => [name, 0]),
);
const ZERO_RETRY_DELAYS = Object.fromEntries(Object.keys(definition.States).map((name) => [name, 0]));

/**
 * Runs one deployment in the world, to its end. With a MemoryScaling, Auto Scaling acts once before
 * every Task state, as it may at any moment on AWS.
 */
export function runInMemory(
  world: DeployDeps,
  input: unknown,
  options: {
    stateOverrides?: Record<string, (input: unknown) => Promise<unknown>>;
    onEvent?: (event: EngineEvent) => void;
    onTask?: (state: string) => void;
  } = {},
): Promise<RunResult> {
  const scaler = world.scaling instanceof MemoryScaling ? world.scaling : null;
  return runStateMachine({
    file: BLUE_GREEN_FILE,
    handlers: createDeploySteps(world),
    input,
    waitTimeOverrides: ZERO_WAITS,
    retryIntervalOverrides: ZERO_RETRY_DELAYS,
    ...options,
    onTask: (state) => {
      scaler?.act();
      options.onTask?.(state);
    },
  });
}

/** Names of the states the execution entered, in order. */
export const statesEntered = (result: RunResult) =>
  result.events.filter((e) => e.type === 'StateEntered').map((e) => e.state);
