/**
 * One blue/green deployment of the mocked account's service `web` (see ./mock-aws.ts) through the
 * real state machine file and the real step handlers, built as functions/deploy/aws.ts
 * builds them: EcsFleet, AlbRouter, CloudWatchMetrics (load balancers looked up with ELBv2),
 * AppAutoScaling and SnsNotifier on mocked SDK clients, DynamoStore on dynalite (real DynamoDB semantics; its calls
 * are counted by a middleware on the document client). Simulated AWS, not AWS.
 *
 * Every Wait state takes 0 ms of real time; the simulated clock instead jumps by the Wait's
 * seconds when the Task after it starts (and by `tickMs` at every read, the time handlers take),
 * so holds, the bake and deadlines elapse as they would on AWS and the number of polls and gate
 * evaluations is the one a real deployment with the same settings would make.
 */
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SNSClient } from '@aws-sdk/client-sns';
import { createDeploySteps, type DeployDeps } from '../../functions/deploy';
import { AlbRouter } from '../../shared/aws/alb-router';
import { AppAutoScaling } from '../../shared/aws/app-autoscaling';
import { CloudWatchAlarms } from '../../shared/aws/cloudwatch-alarms';
import { CLIENT_RETRY_CONFIG } from '../../shared/aws/clients';
import { CloudWatchMetrics } from '../../shared/aws/cloudwatch-metrics';
import { CloudWatchQueryMetrics } from '../../shared/aws/cloudwatch-query-metrics';
import { MetricsBySource } from '../../shared/aws/metrics-by-source';
import { PrometheusMetrics } from '../../shared/aws/prometheus-metrics';
import { DynamoStore } from '../../shared/aws/dynamo-store';
import { EcsFleet } from '../../shared/aws/ecs-fleet';
import { HttpProbe } from '../../shared/aws/http-probe';
import { SnsNotifier } from '../../shared/aws/sns-notifier';
import type { DeployRequestInput } from '../../shared/domain/deployment';
import type { DeploymentSpecInput } from '../../shared/domain/spec';
import { startDynalite } from '../../shared/local/dynamodb/dynalite';
import { loadStateMachine, runStateMachine, type RunResult } from '../../shared/local/sfn/engine';
import { specFor, type SpecPlace } from '../fixtures/spec';
import { silentLogger, TickingClock } from './memory-ports';
import { MOCK_AWS, MOCK_REGION, MockAws, type ApiCall } from './mock-aws';

export const MOCK_STATE_MACHINE = 'blue-green.asl.json';

/** A TickingClock that can also be moved forward by a Wait state's duration. */
export class SimulatedClock extends TickingClock {
  advance(ms: number): void {
    this.time += ms;
  }
}

export interface MockedDeploymentOptions {
  /** `good`: the new image serves like the live one. `bad`: 20 % of its responses are 5xx. */
  release?: 'good' | 'bad';
  /** Canary plan weights (default 5, 25) and their hold (default 60 s: CloudWatch's period). */
  weights?: number[];
  holdSeconds?: number;
  intervalSeconds?: number;
  bakeSeconds?: number;
  pollSeconds?: number;
  /** Requests per second on the listener (default 500). */
  requestsPerSecond?: number;
  /** Simulated time each clock read takes (default 50 ms). */
  tickMs?: number;
  /** CloudWatch alarms the spec watches (all in state OK). Default none, as in the default spec. */
  alarms?: string[];
}

export const MOCK_IMAGES = {
  good: `${MOCK_AWS.imageRepository}:1.4.2`,
  bad: `${MOCK_AWS.imageRepository}:1.4.3`,
} as const;
const BAD_RELEASE_ERROR_RATE = 0.2;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

/** Where the mocked service lives: the account's cluster, listener, ECS services and target groups. */
const MOCKED_PLACE: SpecPlace = {
  cluster: MOCK_AWS.cluster,
  listener: MOCK_AWS.listenerArn,
  slots: {
    blue: { service: MOCK_AWS.services.blue, targetGroup: MOCK_AWS.targetGroups.blue },
    green: { service: MOCK_AWS.services.green, targetGroup: MOCK_AWS.targetGroups.green },
  },
  container: MOCK_AWS.container,
};

export interface MockedDeployment {
  request: DeployRequestInput;
  result: RunResult;
  /** Every AWS API call, in order (mocked services and DynamoDB). */
  calls: ApiCall[];
  /** `service:Operation` → calls; mocked services from their stubs' history, DynamoDB from the middleware. */
  counts: Record<string, number>;
  /** Lambda invocations (Task state handler calls, retries included) by state name. */
  invocations: Record<string, number>;
  /** Simulated time from start to end. */
  simulatedMs: number;
  /** The mocked account after the run (its stubs already restored). */
  aws: MockAws;
}

/**
 * Milliseconds to move the clock when each Task state that follows a Wait starts: the Wait's
 * SecondsPath, resolved against the spec. Fails loudly if the state machine grows a Wait it cannot resolve.
 */
function waitBeforeTasks(spec: DeploymentSpecInput & { gate: { intervalSeconds: number } }) {
  const seconds: Record<string, number> = {
    '$.spec.launch.pollSeconds': spec.launch?.pollSeconds ?? 10,
    '$.step.gate.intervalSeconds': spec.gate.intervalSeconds,
    '$.testTraffic.intervalSeconds': spec.testTraffic?.intervalSeconds ?? 10,
    '$.spec.trafficSettleSeconds': spec.trafficSettleSeconds ?? 15,
    // The poll interval of an external controller: the gate interval at least (not entered by these runs).
    '$.external.pollSeconds': spec.gate.intervalSeconds,
  };
  // BakeCoveredSettle? enters RetireSettle only when the bake is shorter than the settle.
  const retireSettles = (spec.bakeSeconds ?? 300) < (spec.trafficSettleSeconds ?? 15);
  const { definition } = loadStateMachine(MOCK_STATE_MACHINE);
  const waits: Record<string, number> = {};
  const zero: Record<string, number> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type !== 'Wait') continue;
    const path = state.SecondsPath;
    // The user hooks' wait loops: the mocked spec names no hooks, so they are never entered.
    if (typeof path === 'string' && /^\$\.\w+\.userHook\.waitSeconds$/.test(path)) continue;
    const value = typeof path === 'string' ? seconds[path] : undefined;
    if (value === undefined || typeof state.Next !== 'string') {
      throw new Error(`mock-aws-run: cannot simulate Wait state ${name} (SecondsPath ${String(path)})`);
    }
    waits[state.Next] = name === 'RetireSettle' && !retireSettles ? 0 : value * 1000;
    zero[name] = 0;
  }
  const noRetryDelays = Object.fromEntries(Object.keys(definition.States).map((name) => [name, 0]));
  return { waits, zero, noRetryDelays };
}

/** Runs one deployment on a fresh mocked account and a fresh dynalite table. */
export async function runMockedDeployment(options: MockedDeploymentOptions = {}): Promise<MockedDeployment> {
  const release = options.release ?? 'good';
  // The mocked service's spec: the canary preset with one-minute holds and bake, judged on
  // CloudWatch's timing (the spec's default metrics model: 60-s periods read 120 s after they
  // end, while the mocked account publishes them 60 s after).
  const spec = specFor(
    {
      plan: { preset: 'canary', weights: options.weights ?? [5, 25], holdSeconds: options.holdSeconds ?? 60 },
      gate: { intervalSeconds: options.intervalSeconds ?? 10 },
      launch: { timeoutSeconds: 600, pollSeconds: options.pollSeconds ?? 10 },
      bakeSeconds: options.bakeSeconds ?? 60,
      ...(options.alarms ? { alarms: options.alarms } : {}),
    },
    { place: MOCKED_PLACE },
  ) as DeploymentSpecInput & { gate: { intervalSeconds: number } };
  const request: DeployRequestInput = {
    deploymentId: `web-${release}-release`,
    image: MOCK_IMAGES[release],
    requestedBy: 'api-calls',
    spec,
  };
  const { waits, zero, noRetryDelays } = waitBeforeTasks(spec);
  const clock = new SimulatedClock(T0, options.tickMs ?? 50);
  const dynamo = await startDynalite();
  const aws = new MockAws({
    now: () => clock.time,
    requestsPerSecond: options.requestsPerSecond ?? 500,
    errorRates: { [MOCK_IMAGES.bad]: BAD_RELEASE_ERROR_RATE },
    alarms: Object.fromEntries((options.alarms ?? []).map((name) => [name, 'OK' as const])),
  });
  const dynamoCounts: Record<string, number> = {};
  dynamo.documentClient.middlewareStack.add(
    (next, context) => async (args) => {
      const api = `dynamodb:${String(context.commandName).replace(/Command$/, '')}`;
      dynamoCounts[api] = (dynamoCounts[api] ?? 0) + 1;
      aws.calls.push({ api, input: structuredClone(args.input), at: clock.time });
      return next(args);
    },
    { step: 'initialize', name: 'apiCallCounter' },
  );
  try {
    const config = { ...CLIENT_RETRY_CONFIG, region: MOCK_REGION };
    const elbv2 = new ElasticLoadBalancingV2Client(config);
    const cloudwatch = new CloudWatchClient(config);
    const deps: DeployDeps = {
      alarms: new CloudWatchAlarms({ client: cloudwatch }),
      fleet: new EcsFleet({ client: new ECSClient(config) }),
      router: new AlbRouter({ client: elbv2 }),
      // As functions/deploy/aws.ts builds it: the spec's source, ALB metrics by default.
      metrics: new MetricsBySource({
        alb: new CloudWatchMetrics({ client: cloudwatch, elbv2 }),
        cloudwatch: new CloudWatchQueryMetrics({ client: cloudwatch }),
        prometheus: new PrometheusMetrics(),
      }),
      probe: new HttpProbe(),
      scaling: new AppAutoScaling({ client: new ApplicationAutoScalingClient(config) }),
      store: new DynamoStore({ client: dynamo.documentClient, tableName: dynamo.tableName }),
      notifier: new SnsNotifier({ client: new SNSClient(config), topicArn: MOCK_AWS.topicArn }),
      clock,
      logger: silentLogger(),
    };
    const invocations: Record<string, number> = {};
    const result = await runStateMachine({
      file: MOCK_STATE_MACHINE,
      handlers: createDeploySteps(deps),
      input: request,
      waitTimeOverrides: zero,
      retryIntervalOverrides: noRetryDelays,
      executionName: request.deploymentId,
      onTask: (state) => {
        invocations[state] = (invocations[state] ?? 0) + 1;
        clock.advance(waits[state] ?? 0);
      },
    });
    return {
      request,
      result,
      calls: aws.calls,
      counts: { ...aws.counts(), ...dynamoCounts },
      invocations,
      simulatedMs: clock.time - T0,
      aws,
    };
  } finally {
    aws.restore();
    await dynamo.stop();
  }
}
