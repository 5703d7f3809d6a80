/**
 * Orchestration overhead: N blue/green deployments through the real state machine file, the real
 * step handlers and the DynamoDB store on dynalite, with every Wait state at 0 and in-memory
 * fleet, router and metrics that answer at once. What remains is the cost of orchestrating:
 * the engine, handler input parsing, store writes and history. Simulated AWS: the local engine,
 * not Step Functions' own latency (about 20–50 ms per transition on AWS Standard workflows).
 */
import { parseArgs } from 'node:util';
import { createDeploySteps } from '../functions/deploy';
import { DynamoStore } from '../shared/aws/dynamo-store';
import { startDynalite } from '../shared/local/dynamodb/dynalite';
import { runStateMachine } from '../shared/local/sfn/engine';
import { systemClock } from '../shared/ports/clock';
import {
  MemoryFleet,
  MemoryMetrics,
  MemoryNotifier,
  MemoryProbe,
  MemoryRouter,
  silentLogger,
} from '../test/support/memory-ports';
import { LocalAlarms } from '../shared/local/cloudwatch/local-alarms';
import { specFor } from '../test/fixtures/spec';
import { memoryScaling } from '../test/support/memory-world';
import type { BenchResult } from './run';
import { integerOption, mean, quantile, textTable } from './stats';

const ZERO_WAITS = { WaitForNewColor: 0, ObserveWait: 0, BakeWait: 0 };

export async function overhead(args: string[]): Promise<BenchResult> {
  const { values } = parseArgs({ args, options: { deployments: { type: 'string', default: '20' } } });
  const n = integerOption('deployments', values.deployments, 1, 10_000);
  const dynamo = await startDynalite();
  const store = new DynamoStore({ client: dynamo.documentClient, tableName: dynamo.tableName });
  const spec = specFor(
    {
      plan: { preset: 'canary', weights: [5, 25, 50], holdSeconds: 0 },
      bakeSeconds: 0,
    },
    { pace: 'memory' },
  );
  const runs: { wallMs: number; transitions: number; status: string }[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const router = new MemoryRouter();
      const fleet = new MemoryFleet(router);
      fleet.addService({ cluster: 'local', service: 'web-blue' }, 'web-blue-tg', 'app:1', 2);
      fleet.addService({ cluster: 'local', service: 'web-green' }, 'web-green-tg', null, 0);
      const deps = {
        alarms: new LocalAlarms(),
        router,
        fleet,
        metrics: new MemoryMetrics(),
        probe: new MemoryProbe(),
        scaling: memoryScaling(fleet),
        store,
        notifier: new MemoryNotifier(),
        clock: systemClock,
        logger: silentLogger(),
      };
      const result = await runStateMachine({
        file: 'blue-green.asl.json',
        handlers: createDeploySteps(deps),
        input: { deploymentId: `bench-${i}`, image: 'registry.local/web:v2', spec },
        waitTimeOverrides: ZERO_WAITS,
      });
      runs.push({ wallMs: result.durationMs, transitions: result.stateTransitions, status: result.status });
    }
  } finally {
    await dynamo.stop();
  }
  const walls = runs.map((r) => r.wallMs);
  const transitions = mean(runs.map((r) => r.transitions));
  const summary = {
    deployments: n,
    succeeded: runs.filter((r) => r.status === 'SUCCEEDED').length,
    configuredWaitMs: 0,
    overheadMsMean: Math.round(mean(walls)),
    overheadMsP50: quantile(walls, 0.5),
    overheadMsP95: quantile(walls, 0.95),
    transitionsPerDeployment: transitions,
    msPerTransition: Number((mean(walls) / transitions).toFixed(2)),
    plan: '3 canary steps (5, 25, 50 %), promotion, bake; all waits 0',
  };
  const table = textTable(
    ['deployments', 'succeeded', 'overhead mean', 'p50', 'p95', 'transitions/deployment', 'ms/transition'],
    [
      [
        String(n),
        String(summary.succeeded),
        `${summary.overheadMsMean} ms`,
        `${summary.overheadMsP50} ms`,
        `${summary.overheadMsP95} ms`,
        String(transitions),
        String(summary.msPerTransition),
      ],
    ],
  );
  return {
    table: `orchestration overhead (local engine + dynalite; waits at 0)\n${table}`,
    data: { summary, runs },
  };
}
