/**
 * The task-stops signal in the local rehearsal: real processes behind the weighted proxy, a release
 * whose tasks pass their health checks and serve fine until they crash (exit 1 after 30 requests).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StepObservation } from '../../functions/deploy/evaluate';
import { LoadGenerator } from '../../shared/local/load-generator';
import { Rehearsal } from '../../shared/local/rehearsal';

describe('local rehearsal: a release whose tasks crash after serving a little', () => {
  let rehearsal: Rehearsal;
  let load: LoadGenerator;
  let base: Awaited<ReturnType<Rehearsal['createService']>>;

  beforeAll(async () => {
    rehearsal = await Rehearsal.start({ workDir: mkdtempSync(path.join(os.tmpdir(), 'greenlight-stops-')) });
    base = await rehearsal.createService({
      service: 'web',
      image: 'greenlight/demo-app:v1',
      desiredCount: 1,
    });
    load = new LoadGenerator({ url: `${rehearsal.proxy.url}/`, ratePerSecond: 40, maxInFlight: 20 });
    load.start();
  }, 30_000);

  afterAll(async () => {
    await load?.stop();
    await rehearsal?.stop();
  });

  it('is rolled back by its task stops alone, its traffic and health still passing the gate', async () => {
    // Prepare: a gate the traffic cannot fail (no 5xx limit, no comparison, no healthy-target
    // minimum), so only the task-stops signal can roll this release back.
    const spec = {
      ...base,
      plan: { preset: 'canary' as const, weights: [50], holdSeconds: 8 },
      gate: {
        intervalSeconds: 1,
        minRequests: 10,
        maxErrorRate: 1,
        compareWithBaseline: false,
        minHealthyTargets: 0,
        consecutiveFailures: 2,
        stepTimeoutSeconds: 20,
      },
      launch: { timeoutSeconds: 20, pollSeconds: 1 },
      bakeSeconds: 1,
      metrics: { periodSeconds: 1, publishDelaySeconds: 0 }, // the rehearsal's lag-free data
      trafficSettleSeconds: 1,
    };
    const observations: StepObservation[] = [];

    // Act
    const result = await rehearsal.deploy(
      { deploymentId: 'e2e-crashing', image: 'greenlight/demo-app:v6-crashing', spec },
      {
        onEvent: (event) => {
          if (event.type === 'StateExited' && event.state === 'Evaluate')
            observations.push((event.output as { observation: StepObservation }).observation);
        },
      },
    );

    // Assess
    expect(result.record?.status).toBe('ROLLED_BACK');
    expect(result.record?.error?.error).toBe('GateFailed');
    const cause = String(result.record?.error?.cause);
    expect(cause).toContain('gate failed 2 consecutive evaluations');
    expect(cause).toMatch(
      /\d+ green tasks? stopped with a failure > 0 allowed: \d+× essential container exited \(exit 1\)/,
    );
    expect(cause).not.toContain('5xx');
    expect(cause).not.toContain('healthy targets');
    // The launch saw a steady, healthy color: the crash came with production traffic.
    expect(result.history.map((e) => e.type)).toContain('NEW_COLOR_READY');
    expect(observations.at(-1)).toMatchObject({ decision: 'rollback', consecutiveFailures: 2 });
    expect(rehearsal.proxy.getWeights()).toEqual({ 'web-blue-tg': 100, 'web-green-tg': 0 });
    expect((await rehearsal.fleet.describe({ cluster: 'local', service: 'web-green' })).desiredCount).toBe(0);
  }, 30_000);
});
