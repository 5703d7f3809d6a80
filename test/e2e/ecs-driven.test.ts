/**
 * `controller: ecs` through Greenlight's own workflow in the rehearsal: the blue/green state
 * machine's Prepare → StartExternal → PollExternal path drives the SIMULATED ECS built-in LINEAR
 * deployment (LocalEcsController), whose lifecycle hook is Greenlight's real ECS hook handler,
 * judging real processes under load behind the weighted proxy. The lock, the record, the history
 * (the hook's verdicts included) and the notifications are Greenlight's, as for its own deployments.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DeploymentSpecInput } from '../../shared/domain/spec';
import { LoadGenerator } from '../../shared/local/load-generator';
import { Rehearsal } from '../../shared/local/rehearsal';

/**
 * Linear shifts of 25 % (ECS LINEAR stepPercent 25), each held 2 s, then a 2-s bake, on lag-free
 * data. A pass needs evidence that green's rate is under the limit (at 2 %, about 230 requests with
 * no error), so the load below lets each step decide in seconds.
 */
const PLAN: Partial<DeploymentSpecInput> = {
  plan: { preset: 'linear', increments: 4, holdSeconds: 2 },
  gate: {
    intervalSeconds: 1,
    minRequests: 20,
    maxErrorRate: 0.02,
    maxP99Ms: 500,
    consecutiveFailures: 2,
    stepTimeoutSeconds: 20,
    minDetectableIncrease: 0.05,
  },
  bakeSeconds: 2,
  bakeWindowSeconds: 10,
  metrics: { periodSeconds: 1, publishDelaySeconds: 0 },
};

describe('local rehearsal: controller ecs through the workflow (simulated ECS LINEAR deployment)', () => {
  let rehearsal: Rehearsal;
  let load: LoadGenerator;
  let spec: DeploymentSpecInput;
  let workDir: string;

  beforeAll(async () => {
    workDir = mkdtempSync(path.join(os.tmpdir(), 'greenlight-e2e-ecs-driven-'));
    rehearsal = await Rehearsal.start({ workDir });
    const service = await rehearsal.createEcsService({
      service: 'web',
      image: 'greenlight/demo-app:v1',
      desiredCount: 2,
    });
    spec = { ...service, ...PLAN };
    load = new LoadGenerator({ url: `${rehearsal.proxy.url}/`, ratePerSecond: 250, maxInFlight: 100 });
    load.start();
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }, 60_000);

  afterAll(async () => {
    await load?.stop();
    await rehearsal?.stop();
  });

  it('promotes a good release with no failed request, the hook’s verdicts in its history', async () => {
    const from = Date.now();
    const result = await rehearsal.deploy({
      deploymentId: 'ecs-good',
      image: 'greenlight/demo-app:v2',
      spec,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(result.record?.status).toBe('PROMOTED');
    expect(load.stats(from, Date.now() - 300).failed).toBe(0);
    const types = result.history.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['PREPARED', 'EXTERNAL_STARTED', 'PROMOTED']));
    // Written by the hook handler onto this deployment's record (hookDetails.greenlight.deploymentId).
    const verdicts = result.history.filter((e) => e.type === 'hook-verdict').map((e) => e.message);
    expect(verdicts).toEqual(
      ['25', '50', '75', '100']
        .map((p) => expect.stringMatching(new RegExp(`^ECS hook PRODUCTION_TRAFFIC_SHIFT at ${p} %: passed`)))
        .concat(expect.stringMatching(/^ECS hook POST_PRODUCTION_TRAFFIC_SHIFT at 100 %: passed/)),
    );
    const externalId = result.record?.external?.deploymentId;
    expect(externalId).toMatch(/^arn:aws:ecs:local:000000000000:service-deployment\/local\/web\//);
    // The service now runs v2: a second deployment starts from it.
    const live = await rehearsal.deps.fleet.describe({ cluster: 'local', service: 'web' });
    expect(live.taskDefinition).toBe(result.record?.taskDefinition);
    expect(live.steady).toBe(true);
  }, 90_000);

  // Runs after the good release: its start also shows the service lock was released.
  it('rolls a faulty release back on the hook’s FAILED, and says so in the outcome and the notification', async () => {
    const result = await rehearsal.deploy({
      deploymentId: 'ecs-bad',
      image: 'greenlight/demo-app:v3-faulty',
      spec,
    });
    expect(result.record?.status).toBe('ROLLED_BACK');
    expect(result.record?.error?.cause).toMatch(
      /controller reports ROLLBACK_SUCCESSFUL: PRODUCTION_TRAFFIC_SHIFT/,
    );
    const verdicts = result.history.filter((e) => e.type === 'hook-verdict').map((e) => e.message);
    expect(verdicts).toEqual([
      expect.stringMatching(/^ECS hook PRODUCTION_TRAFFIC_SHIFT at 25 %: failed, .*5xx rate/),
      // ECS's re-invocation with reversed weights: recorded, not judged.
      expect.stringMatching(/rollback seen: .*not judged/),
    ]);
    // Production is back on the revision that served before (v2), and its tasks still run.
    const settled = await rehearsal.ecsService!.controller.settled(result.record!.external!.deploymentId);
    expect(settled?.status).toBe('ROLLBACK_SUCCESSFUL');
    const live = await rehearsal.deps.fleet.describe({ cluster: 'local', service: 'web' });
    expect(live.taskDefinition).not.toBe(result.record?.taskDefinition);
    const notifications = readFileSync(path.join(workDir, 'notifications.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { subject?: string; message?: string });
    expect(
      notifications.some(
        (n) => /ecs-bad/.test(JSON.stringify(n)) && /ROLLED_BACK|rolled back/i.test(JSON.stringify(n)),
      ),
    ).toBe(true);
  }, 90_000);

  it('refuses a spec naming an ECS service the rehearsal does not simulate, before anything runs', async () => {
    await expect(
      rehearsal.deploy({
        deploymentId: 'ecs-unknown',
        image: 'greenlight/demo-app:v2',
        spec: { ...spec, ecs: { ...spec.ecs!, service: 'api' } },
      }),
    ).rejects.toThrow(/spec\.ecs\.service: no simulated ECS-controlled service "api"/);
  });
});
