import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DeploymentSpecInput } from '../../shared/domain/spec';
import { LoadGenerator } from '../../shared/local/load-generator';
import { LOCAL_TEST_LISTENER, Rehearsal } from '../../shared/local/rehearsal';

const FAST_PLAN: Partial<DeploymentSpecInput> = {
  plan: { preset: 'canary', weights: [50], holdSeconds: 1 },
  gate: {
    intervalSeconds: 1,
    minRequests: 10,
    consecutiveFailures: 2,
    stepTimeoutSeconds: 20,
    // A coarser increase to detect decides on less traffic: a short test.
    minDetectableIncrease: 0.05,
  },
  launch: { timeoutSeconds: 30, pollSeconds: 1 },
  bakeSeconds: 1,
  // The rehearsal's 1-s, lag-free data (not CloudWatch's 60-s periods published minutes later).
  metrics: { periodSeconds: 1, publishDelaySeconds: 0 },
  // The local proxy applies weights at once: a short settle before scale-downs.
  trafficSettleSeconds: 1,
};
const FAST_TEST_TRAFFIC = { holdSeconds: 1, intervalSeconds: 1, consecutiveFailures: 2, timeoutSeconds: 20 };

describe('local rehearsal: test-traffic phase (real processes, probes through the test listener)', () => {
  let rehearsal: Rehearsal;
  let load: LoadGenerator;
  let spec: DeploymentSpecInput;

  beforeAll(async () => {
    rehearsal = await Rehearsal.start({ workDir: mkdtempSync(path.join(os.tmpdir(), 'greenlight-e2e-tt-')) });
    const base = await rehearsal.createService({
      service: 'web',
      image: 'greenlight/demo-app:v1',
      desiredCount: 1,
    });
    spec = {
      ...base,
      ...FAST_PLAN,
      ...rehearsal.testTrafficSpec({
        testTraffic: FAST_TEST_TRAFFIC,
        probes: { requests: 10, concurrency: 2 },
      }),
    };
    load = new LoadGenerator({ url: `${rehearsal.proxy.url}/`, ratePerSecond: 100, maxInFlight: 50 });
    load.start();
  }, 60_000);

  afterAll(async () => {
    await load?.stop();
    await rehearsal?.stop();
  });

  it('passes a good release on test traffic, then promotes it; the test listener stays on it', async () => {
    const from = Date.now();

    const result = await rehearsal.deploy(
      { deploymentId: 'tt-good', image: 'greenlight/demo-app:v2', spec },
      { timeScale: 0.5 },
    );

    expect(result.record?.status).toBe('PROMOTED');
    expect(load.stats(from, Date.now()).failed).toBe(0);
    const types = result.history.map((e) => e.type);
    expect(types.indexOf('TEST_TRAFFIC_PASSED')).toBeGreaterThan(-1);
    expect(types.indexOf('TEST_TRAFFIC_PASSED')).toBeLessThan(types.indexOf('WEIGHTS_SET'));
    expect(rehearsal.proxy.getWeights()).toEqual({ 'web-blue-tg': 0, 'web-green-tg': 100 });
    expect(rehearsal.proxy.getWeights(LOCAL_TEST_LISTENER)).toEqual({
      'web-blue-tg': 0,
      'web-green-tg': 100,
    });
  }, 30_000);

  it('catches a faulty release on test traffic, with no failed production request', async () => {
    const from = Date.now();
    const changesBefore = rehearsal.weightChanges.length;
    const blueBefore = rehearsal.proxy.totals('web-blue-tg');

    const result = await rehearsal.deploy(
      { deploymentId: 'tt-bad', image: 'greenlight/demo-app:v3-faulty', spec },
      { timeScale: 0.5 },
    );

    const stats = load.stats(from, Date.now());
    expect(result.record?.status).toBe('ROLLED_BACK');
    expect(result.record?.error?.error).toBe('TestTrafficFailed');
    expect(result.record?.error?.cause).toContain('probes: 2 of 10 failed: 2× status 500 (expected 200)');
    expect(stats.requests).toBeGreaterThan(50);
    expect(stats.failed).toBe(0);
    // Production never moved toward blue (the new color); only the probes reached it, and saw its 5xx.
    expect(rehearsal.weightChanges.slice(changesBefore).every((c) => c.weights.blue === 0)).toBe(true);
    expect(rehearsal.proxy.totals('web-blue-tg').errors - blueBefore.errors).toBeGreaterThanOrEqual(4);
    // Both listeners back on green, the live color; blue scaled to 0.
    expect(rehearsal.proxy.getWeights()).toEqual({ 'web-blue-tg': 0, 'web-green-tg': 100 });
    expect(rehearsal.proxy.getWeights(LOCAL_TEST_LISTENER)).toEqual({
      'web-blue-tg': 0,
      'web-green-tg': 100,
    });
    expect((await rehearsal.fleet.describe({ cluster: 'local', service: 'web-blue' })).desiredCount).toBe(0);
  }, 30_000);
});
