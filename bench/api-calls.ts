/**
 * The AWS API calls one canary deployment makes, per API: a good release (promoted) and a bad one
 * (20 % 5xx on the new color, rolled back), each run once through the real state machine file and
 * the real step handlers with the production adapters (EcsFleet, AlbRouter, CloudWatchMetrics,
 * CloudWatchAlarms, AppAutoScaling, SnsNotifier) on aws-sdk-client-mock stubs of a small consistent account
 * (test/support/mock-aws.ts), and DynamoStore on dynalite. Simulated AWS: every Wait takes 0 ms
 * and a simulated clock jumps by each Wait's seconds, so the number of polls and gate evaluations
 * is what the same spec makes on AWS. SDK-level retries (throttling) are not counted: none occur.
 */
import { parseArgs } from 'node:util';
import { runMockedDeployment, type MockedDeployment } from '../test/support/mock-aws-run';
import type { BenchResult } from './run';
import { integerOption, textTable } from './stats';

/** Services in the order of the table, as IAM action prefixes. */
const SERVICES = ['ecs', 'elasticloadbalancing', 'application-autoscaling', 'cloudwatch', 'sns', 'dynamodb'];
/** us-east-1 list prices, free tiers ignored. */
const USD_PER_METRIC_REQUESTED = 0.01 / 1000;
const USD_PER_STATE_TRANSITION = 0.025 / 1000;

function summarise(run: MockedDeployment) {
  const perService = Object.fromEntries(
    SERVICES.map((service) => [
      service,
      Object.entries(run.counts)
        .filter(([api]) => api.startsWith(`${service}:`))
        .reduce((sum, [, n]) => sum + n, 0),
    ]),
  );
  const metricsRequested = run.calls
    .filter((c) => c.api === 'cloudwatch:GetMetricData')
    .reduce(
      (sum, c) => sum + ((c.input as { MetricDataQueries?: unknown[] }).MetricDataQueries?.length ?? 0),
      0,
    );
  const lambdaInvocations = Object.values(run.invocations).reduce((a, b) => a + b, 0);
  const stateTransitions = run.result.stateTransitions;
  return {
    outcome: run.result.status === 'SUCCEEDED' ? 'PROMOTED' : (run.result.error ?? run.result.status),
    apiCalls: Object.fromEntries(Object.entries(run.counts).sort(([a], [b]) => a.localeCompare(b))),
    perService,
    totalApiCalls: Object.values(perService).reduce((a, b) => a + b, 0),
    stateTransitions,
    lambdaInvocations,
    invocationsByState: run.invocations,
    simulatedSeconds: run.simulatedMs / 1000,
    getMetricDataMetricsRequested: metricsRequested,
    estimatedUsd: {
      getMetricData: metricsRequested * USD_PER_METRIC_REQUESTED,
      stepFunctionsTransitions: stateTransitions * USD_PER_STATE_TRANSITION,
    },
    sequence: run.calls.map((c) => ({ atSeconds: (c.at - run.calls[0]!.at) / 1000, api: c.api })),
  };
}

export async function apiCalls(args: string[]): Promise<BenchResult> {
  const { values } = parseArgs({
    args,
    options: {
      hold: { type: 'string', default: '60' },
      interval: { type: 'string', default: '10' },
      bake: { type: 'string', default: '60' },
      poll: { type: 'string', default: '10' },
      rps: { type: 'string', default: '500' },
    },
  });
  const settings = {
    weights: [5, 25],
    holdSeconds: integerOption('hold', values.hold, 0, 86_400),
    intervalSeconds: integerOption('interval', values.interval, 1, 300),
    bakeSeconds: integerOption('bake', values.bake, 0, 86_400),
    pollSeconds: integerOption('poll', values.poll, 1, 300),
    requestsPerSecond: integerOption('rps', values.rps, 1, 1_000_000),
  };
  const good = await runMockedDeployment({ ...settings, release: 'good' });
  if (good.result.status !== 'SUCCEEDED') {
    throw new Error(`the good release was not promoted: ${good.result.error}: ${String(good.result.cause)}`);
  }
  const bad = await runMockedDeployment({ ...settings, release: 'bad' });
  if (bad.result.error !== 'DeploymentRolledBack') {
    throw new Error(`the bad release was not rolled back: ${bad.result.status} ${bad.result.error ?? ''}`);
  }
  const promoted = summarise(good);
  const rolledBack = summarise(bad);

  const apis = [...new Set([...Object.keys(promoted.apiCalls), ...Object.keys(rolledBack.apiCalls)])];
  const rows: string[][] = [];
  for (const service of SERVICES) {
    const own = apis.filter((api) => api.startsWith(`${service}:`)).sort();
    for (const api of own) {
      rows.push([api, String(promoted.apiCalls[api] ?? 0), String(rolledBack.apiCalls[api] ?? 0)]);
    }
    rows.push([
      `${service} (total)`,
      String(promoted.perService[service] ?? 0),
      String(rolledBack.perService[service] ?? 0),
    ]);
  }
  rows.push(
    ['all AWS API calls', String(promoted.totalApiCalls), String(rolledBack.totalApiCalls)],
    ['state transitions', String(promoted.stateTransitions), String(rolledBack.stateTransitions)],
    [
      'Lambda invocations (Task states entered)',
      String(promoted.lambdaInvocations),
      String(rolledBack.lambdaInvocations),
    ],
    ['simulated duration', `${promoted.simulatedSeconds} s`, `${rolledBack.simulatedSeconds} s`],
  );
  const usd = (x: number) => `$${x.toFixed(5)}`;
  const costs = textTable(
    ['estimate (us-east-1 list prices)', 'promoted', 'rolled back'],
    [
      [
        'GetMetricData: metrics requested × $0.01/1,000',
        `${promoted.getMetricDataMetricsRequested} → ${usd(promoted.estimatedUsd.getMetricData)}`,
        `${rolledBack.getMetricDataMetricsRequested} → ${usd(rolledBack.estimatedUsd.getMetricData)}`,
      ],
      [
        'Step Functions Standard: transitions × $0.025/1,000',
        usd(promoted.estimatedUsd.stepFunctionsTransitions),
        usd(rolledBack.estimatedUsd.stepFunctionsTransitions),
      ],
    ],
  );
  const states = [...new Set([...Object.keys(good.invocations), ...Object.keys(bad.invocations)])];
  const invocations = textTable(
    ['Lambda invocations by Task state', 'promoted', 'rolled back'],
    states.map((s) => [s, String(good.invocations[s] ?? 0), String(bad.invocations[s] ?? 0)]),
  );
  const header =
    `API calls of one canary deployment (${settings.weights.join(' % → ')} % → promote → bake), ` +
    'production adapters on mocked AWS (aws-sdk-client-mock), DynamoStore on dynalite\n' +
    `hold ${settings.holdSeconds} s per step, gate every ${settings.intervalSeconds} s, bake ${settings.bakeSeconds} s, ` +
    `launch poll ${settings.pollSeconds} s, ${settings.requestsPerSecond} req/s; bad release: 20 % 5xx on the new color\n`;
  return {
    table: `${header}${textTable(['api', 'promoted', 'rolled back'], rows)}\n\n${invocations}\n\n${costs}`,
    data: {
      settings: {
        ...settings,
        plan: 'canary',
        dynamodb: 'dynalite (calls counted by a document-client middleware)',
      },
      promoted,
      rolledBack,
    },
  };
}
