import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DeploymentSpecInput } from '../../shared/domain/spec';
import { InvalidInputError } from '../../shared/domain/errors';
import { LoadGenerator } from '../../shared/local/load-generator';
import { Rehearsal } from '../../shared/local/rehearsal';

const FAST_PLAN: Partial<DeploymentSpecInput> = {
  plan: { preset: 'canary', weights: [50], holdSeconds: 1 },
  gate: {
    intervalSeconds: 1,
    minRequests: 10,
    maxErrorRate: 0.01,
    consecutiveFailures: 2,
    stepTimeoutSeconds: 20,
  },
  launch: { timeoutSeconds: 30, pollSeconds: 1 },
  bakeSeconds: 1,
  // The rehearsal's 1-s, lag-free data (not CloudWatch's 60-s periods published minutes later).
  metrics: { periodSeconds: 1, publishDelaySeconds: 0 },
  // The local proxy applies weights at once: a short settle before scale-downs.
  trafficSettleSeconds: 1,
};

describe('local rehearsal (end to end, real processes behind the weighted proxy)', () => {
  let rehearsal: Rehearsal;
  let load: LoadGenerator;
  let base: Awaited<ReturnType<Rehearsal['createService']>>;
  let workDir: string;

  beforeAll(async () => {
    workDir = mkdtempSync(path.join(os.tmpdir(), 'greenlight-e2e-'));
    rehearsal = await Rehearsal.start({ workDir });
    base = await rehearsal.createService({
      service: 'web',
      image: 'greenlight/demo-app:v1',
      desiredCount: 1,
    });
    load = new LoadGenerator({ url: `${rehearsal.proxy.url}/`, ratePerSecond: 60, maxInFlight: 50 });
    load.start();
  }, 60_000);

  afterAll(async () => {
    await load?.stop();
    await rehearsal?.stop();
  });

  it('promotes a good release with no failed request under load', async () => {
    const from = Date.now();

    const result = await rehearsal.deploy({
      deploymentId: 'e2e-good',
      image: 'greenlight/demo-app:v2',
      spec: { ...base, ...FAST_PLAN },
    });

    const stats = load.stats(from, Date.now());
    expect(result.record?.status).toBe('PROMOTED');
    expect(stats.requests).toBeGreaterThan(100);
    expect(stats.failed).toBe(0);
    expect(rehearsal.proxy.getWeights()).toEqual({ 'web-blue-tg': 0, 'web-green-tg': 100 });
    expect((await rehearsal.fleet.describe({ cluster: 'local', service: 'web-blue' })).desiredCount).toBe(0);
    expect(result.history.map((e) => e.type)).toEqual(
      expect.arrayContaining(['PREPARED', 'LAUNCHED', 'GATE_PASSED', 'OLD_COLOR_RETIRED', 'PROMOTED']),
    );
  }, 90_000);

  it('treats a repeated deployment id as the same deployment, never a second one', async () => {
    const first = rehearsal.deploy({
      deploymentId: 'e2e-good',
      image: 'greenlight/demo-app:v2',
      spec: { ...base, ...FAST_PLAN },
    });

    const again = await rehearsal.deploy({
      deploymentId: 'e2e-good',
      image: 'greenlight/demo-app:v2',
      spec: { ...base, ...FAST_PLAN },
    });

    expect(again).toBe(await first);
    expect(
      (await rehearsal.deps.store.listEvents('e2e-good')).filter((e) => e.type === 'PREPARED'),
    ).toHaveLength(1);
  });

  it('rolls a faulty release back automatically and restores all traffic to the live color', async () => {
    const result = await rehearsal.deploy({
      deploymentId: 'e2e-bad',
      image: 'greenlight/demo-app:v3-faulty',
      spec: { ...base, ...FAST_PLAN },
    });

    expect(result.record?.status).toBe('ROLLED_BACK');
    expect(result.record?.error?.error).toBe('GateFailed');
    expect(rehearsal.proxy.getWeights()).toEqual({ 'web-blue-tg': 0, 'web-green-tg': 100 });
    expect((await rehearsal.fleet.describe({ cluster: 'local', service: 'web-blue' })).desiredCount).toBe(0);
    const notifications = readFileSync(path.join(workDir, 'notifications.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(notifications.map((n) => n.attributes.outcome)).toEqual(['PROMOTED', 'ROLLED_BACK']);
  }, 90_000);

  describe('bad input fails before anything changes, naming the field', () => {
    it.each([
      [
        'an unknown image',
        { image: 'greenlight/demo-app:v9' },
        'image "greenlight/demo-app:v9" is not in the local image catalog',
      ],
      [
        'an invalid plan',
        { spec: { plan: { steps: [{ weight: 120 }] } } },
        'spec.plan.steps[0].weight: expected 1 to 99',
      ],
      [
        'an unknown target group',
        {
          spec: {
            slots: {
              blue: { service: 'web-blue', targetGroup: 'nope' },
              green: { service: 'web-green', targetGroup: 'web-green-tg' },
            },
          },
        },
        'spec.slots.blue.targetGroup: no local target group "nope"',
      ],
    ])('refuses %s', async (_label, change, message) => {
      const weightsBefore = rehearsal.proxy.getWeights();
      const input = {
        deploymentId: 'e2e-invalid',
        image: 'greenlight/demo-app:v2',
        ...change,
        spec: { ...base, ...FAST_PLAN, ...('spec' in change ? change.spec : {}) },
      };

      await expect(rehearsal.deploy(input as never)).rejects.toThrow(InvalidInputError);
      await expect(rehearsal.deploy(input as never)).rejects.toThrow(message);
      expect(rehearsal.proxy.getWeights()).toEqual(weightsBefore);
      expect(await rehearsal.deps.store.getDeployment('e2e-invalid')).toBeNull();
    });

    it('refuses weights that do not sum to 100', async () => {
      const route = {
        listener: 'local-listener',
        targetGroups: { blue: 'web-blue-tg', green: 'web-green-tg' },
      };

      await expect(rehearsal.deps.router.setWeights(route, { blue: 60, green: 30 })).rejects.toThrow(
        'blue + green must equal 100, got 60 + 30 = 90',
      );
      expect(rehearsal.proxy.getWeights()).toEqual({ 'web-blue-tg': 0, 'web-green-tg': 100 });
    });
  });
});
