/**
 * `npm run bench -- scale`: concurrency in the local engine (simulated AWS: in-memory fleet,
 * router and metrics; the real state machine, handlers and DynamoDB store on dynalite).
 * 1. N deployments of N distinct services started at once: every one must be promoted, with its
 *    lock released; reports how much slower a deployment gets than when it runs alone.
 * 2. M simultaneous requests for one service: exactly one may run, the others are refused with
 *    the lock holder named.
 */
import { parseArgs } from 'node:util';
import { DynamoStore } from '../shared/aws/dynamo-store';
import { startDynalite } from '../shared/local/dynamodb/dynalite';
import { memoryRequest, memoryWorld, runInMemory } from '../test/support/memory-world';
import { specFor } from '../test/fixtures/spec';
import type { BenchResult } from './run';
import { integerOption, mean, quantile, textTable } from './stats';

const spec = (service: string) => specFor({ service, bakeSeconds: 1 }, { pace: 'memory' });

export async function scale(args: string[]): Promise<BenchResult> {
  const { values } = parseArgs({
    args,
    options: { services: { type: 'string', default: '50' }, requests: { type: 'string', default: '20' } },
  });
  const services = integerOption('services', values.services, 1, 10_000);
  const requests = integerOption('requests', values.requests, 1, 100_000);
  const dynamo = await startDynalite();
  const store = new DynamoStore({ client: dynamo.documentClient, tableName: dynamo.tableName });
  try {
    // Alone: the reference duration.
    const alone = { ...memoryWorld({ service: 'solo' }), store };
    const single = await runInMemory(alone, memoryRequest({ deploymentId: 'solo-1', spec: spec('solo') }));

    // Many services at once.
    const worlds = Array.from({ length: services }, (_, i) => ({
      ...memoryWorld({ service: `svc-${i}` }),
      store,
    }));
    const started = Date.now();
    const results = await Promise.all(
      worlds.map((world, i) =>
        runInMemory(world, memoryRequest({ deploymentId: `svc-${i}-d1`, spec: spec(`svc-${i}`) })),
      ),
    );
    const wallMs = Date.now() - started;
    let correct = 0;
    for (const [i, world] of worlds.entries()) {
      const record = await store.getDeployment(`svc-${i}-d1`);
      const probe = await store.acquireLock(`local/svc-${i}`, 'probe', 1000, world.clock.now());
      if (probe.acquired) await store.releaseLock(`local/svc-${i}`, 'probe');
      const retired = world.fleet.services.get(`local/svc-${i}-blue`)?.desiredCount === 0;
      if (
        results[i]!.status === 'SUCCEEDED' &&
        record?.status === 'PROMOTED' &&
        world.router.weights.green === 100 &&
        retired &&
        probe.acquired
      )
        correct += 1;
    }
    const durations = results.map((r) => r.durationMs);

    // Many requests for one service at once.
    const contested = { ...memoryWorld({ service: 'hot' }), store };
    const contest = await Promise.all(
      Array.from({ length: requests }, (_, i) =>
        runInMemory(contested, memoryRequest({ deploymentId: `hot-${i}`, spec: spec('hot') })),
      ),
    );
    const records = await Promise.all(contest.map((_, i) => store.getDeployment(`hot-${i}`)));
    const ran = records.filter((r) => r?.status === 'PROMOTED').length;
    const refused = records.filter(
      (r) => r?.status === 'REJECTED' && r.error?.error === 'LockConflictError',
    ).length;

    const summary = {
      services,
      promoted: correct,
      aloneMs: single.durationMs,
      concurrentWallMs: wallMs,
      concurrentMeanMs: Math.round(mean(durations)),
      concurrentP95Ms: quantile(durations, 0.95),
      slowdownVsAlone: Number((mean(durations) / single.durationMs).toFixed(1)),
      perDeploymentWallMs: Number((wallMs / services).toFixed(1)),
      sameServiceRequests: requests,
      sameServiceRan: ran,
      sameServiceRefusedWithLockConflict: refused,
    };
    const table = textTable(
      ['check', 'result'],
      [
        [
          `${services} services deployed at once`,
          `${correct}/${services} promoted, lock released, old color at 0`,
        ],
        ['one deployment alone', `${single.durationMs} ms`],
        [`${services} at once: wall time`, `${wallMs} ms (${summary.perDeploymentWallMs} ms per deployment)`],
        [
          `${services} at once: each deployment`,
          `mean ${summary.concurrentMeanMs} ms, p95 ${summary.concurrentP95Ms} ms (${summary.slowdownVsAlone}× alone)`,
        ],
        [`${requests} requests for one service`, `${ran} ran, ${refused} refused with LockConflictError`],
      ],
    );
    return { table: `scale (local engine, dynalite store, in-memory fleet)\n${table}`, data: { summary } };
  } finally {
    await dynamo.stop();
  }
}
