/**
 * LocalEcsController: the DeploymentController port over the simulated ECS LINEAR deployment,
 * on a real rehearsal (processes, weighted proxy, load), with Greenlight's real ECS hook handler
 * registered in the local Lambda model under the hook ARN the configuration names.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EcsDeploymentConfiguration } from '../../shared/domain/controllers/ecs-plan';
import type { EcsHookSpecInput } from '../../shared/domain/hooks/ecs-hook-spec';
import { createLogger } from '../../shared/lambda';
import type { ExternalStart } from '../../shared/ports/controller';
import { LocalEcsController, LocalEcsControllerError } from '../../shared/local/ecs/local-ecs-controller';
import {
  LOCAL_ECS_HOOK_ARN,
  rehearsalEcsHook,
  simulatedEcsService,
} from '../../shared/local/ecs/native-rehearsal';
import { LocalLambda } from '../../shared/local/lambda/local-lambda';
import { LoadGenerator } from '../../shared/local/load-generator';
import { LOCAL_CLUSTER, Rehearsal } from '../../shared/local/rehearsal';

const HOOK_SPEC: EcsHookSpecInput = {
  gate: {
    intervalSeconds: 1,
    minRequests: 20,
    maxErrorRate: 0.01,
    maxP99Ms: 500,
    consecutiveFailures: 2,
    stepTimeoutSeconds: 20,
  },
  metrics: { periodSeconds: 1, publishDelaySeconds: 0 },
  stepHoldSeconds: 1,
  bakeSeconds: 1,
  bakeWindowSeconds: 10,
};

function configuration(overrides: Partial<EcsDeploymentConfiguration> = {}): EcsDeploymentConfiguration {
  return {
    strategy: 'LINEAR',
    bakeTimeInMinutes: 0,
    linearConfiguration: { stepPercent: 50, stepBakeTimeInMinutes: 0 },
    lifecycleHooks: [
      {
        targetType: 'AWS_LAMBDA',
        hookTargetArn: LOCAL_ECS_HOOK_ARN,
        roleArn: 'arn:aws:iam::000000000000:role/ecs-hook-invoke',
        lifecycleStages: ['PRODUCTION_TRAFFIC_SHIFT', 'POST_PRODUCTION_TRAFFIC_SHIFT'],
        hookDetails: { greenlight: HOOK_SPEC },
        timeoutConfiguration: { timeoutInMinutes: 60, action: 'ROLLBACK' },
      },
    ],
    ...overrides,
  };
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('LocalEcsController (simulated ECS LINEAR deployments)', () => {
  let rehearsal: Rehearsal;
  let load: LoadGenerator;
  let controller: LocalEcsController;
  let fromTaskDefinition: string;
  const target = (c = configuration()) => ({ service: 'web', configuration: c });

  async function request(image: string): Promise<ExternalStart> {
    const taskDefinitionArn = await rehearsal.fleet.registerRevision({
      from: fromTaskDefinition,
      container: 'app',
      image,
    });
    return {
      cluster: LOCAL_CLUSTER,
      taskDefinitionArn,
      container: { name: 'app', port: 8080 },
      description: 'test',
    };
  }

  /** Polls status() to a terminal state, recording every state seen. */
  async function follow(id: string): Promise<string[]> {
    const seen: string[] = [];
    for (;;) {
      const { state } = await controller.status(id);
      if (seen.at(-1) !== state) seen.push(state);
      if (state !== 'in-progress' && state !== 'rolling-back') return seen;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  beforeAll(async () => {
    rehearsal = await Rehearsal.start({
      workDir: mkdtempSync(path.join(os.tmpdir(), 'greenlight-local-ecs-')),
    });
    const base = await rehearsal.createService({
      service: 'web',
      image: 'greenlight/demo-app:v1',
      desiredCount: 1,
    });
    const service = await simulatedEcsService(rehearsal, base, { service: 'web', desiredCount: 1 });
    fromTaskDefinition = (
      await rehearsal.fleet.describe({ cluster: LOCAL_CLUSTER, service: base.slots.blue.service })
    ).taskDefinition!;
    const lambda = new LocalLambda().register(
      LOCAL_ECS_HOOK_ARN,
      {
        handler: rehearsalEcsHook(rehearsal, service, base, {
          logger: createLogger({ logLevel: (process.env.HOOK_LOG as 'INFO') ?? 'SILENT' }),
        }),
      },
      { timeoutSeconds: 30 },
    );
    controller = new LocalEcsController({ service, lambda, timing: { realMsPerEcsMinute: 1000 } });
    load = new LoadGenerator({ url: `${rehearsal.proxy.url}/`, ratePerSecond: 400, maxInFlight: 200 });
    load.start();
  }, 30_000);

  afterAll(async () => {
    await load?.stop();
    await rehearsal?.stop();
  });

  it('refuses what the simulation does not model, naming the field, before anything starts', async () => {
    const start = await request('greenlight/demo-app:v2');
    await expect(
      controller.start(
        target(
          configuration({
            strategy: 'CANARY',
            canaryConfiguration: { canaryPercent: 2.5, canaryBakeTimeInMinutes: 0 },
          }),
        ),
        start,
      ),
    ).rejects.toThrow(/^canaryConfiguration\.canaryPercent: expected an integer from 1 to 99/);
    await expect(
      controller.start(
        target(configuration({ alarms: { alarmNames: ['a'], enable: true, rollback: true } })),
        start,
      ),
    ).rejects.toThrow(/^deploymentConfiguration\.alarms: /);
    const other = configuration();
    other.lifecycleHooks[0]!.hookTargetArn = 'arn:aws:lambda:local:000000000000:function:other';
    await expect(controller.start(target(other), start)).rejects.toThrow(
      /^deploymentConfiguration\.lifecycleHooks\[0\]\.hookTargetArn: no local function/,
    );
    await expect(controller.start({ service: 'api', configuration: configuration() }, start)).rejects.toThrow(
      LocalEcsControllerError,
    );
    await expect(controller.status('arn:nope')).rejects.toThrow(/not found/);
  });

  it('completes a good revision: in progress, then succeeded, the same id on a repeated start', async () => {
    const start = await request('greenlight/demo-app:v2');
    const { deploymentId } = await controller.start(target(), start);
    expect(deploymentId).toMatch(/^arn:aws:ecs:local:000000000000:service-deployment\/local\/web\/\w{21}$/);
    expect(await controller.start(target(), start)).toEqual({ deploymentId });
    await expect(controller.start(target(), await request('greenlight/demo-app:v4-slow'))).rejects.toThrow(
      /^taskDefinition: .* under way/,
    );
    expect(await controller.promote(deploymentId)).toEqual({
      continued: false,
      reason: expect.stringMatching(/PAUSE hooks .* not modelled/),
    });

    const seen = await follow(deploymentId);
    expect(await controller.status(deploymentId)).toEqual({
      state: 'succeeded',
      controllerStatus: 'SUCCESSFUL',
    });
    expect(seen).toEqual(['in-progress', 'succeeded']);
    expect(await controller.status(deploymentId)).toEqual({
      state: 'succeeded',
      controllerStatus: 'SUCCESSFUL',
    });
    const result = (await controller.settled(deploymentId))!;
    expect(result.invocations.filter((i) => i.hookStatus === 'SUCCEEDED').map((i) => i.stage)).toEqual([
      'PRODUCTION_TRAFFIC_SHIFT',
      'PRODUCTION_TRAFFIC_SHIFT',
      'POST_PRODUCTION_TRAFFIC_SHIFT',
    ]);
    expect(rehearsal.proxy.getWeights()[result.targetGroups.new]).toBe(100);
    await expect(controller.abort(deploymentId)).rejects.toThrow(/has ended/);
  }, 30_000);

  it("rolls a bad revision back on the hook's FAILED", async () => {
    const { deploymentId } = await controller.start(target(), await request('greenlight/demo-app:v3-faulty'));

    // The rollback itself is quick (one reversed-weight hook call): polling may or may not see it.
    expect((await follow(deploymentId)).filter((s) => s !== 'rolling-back')).toEqual([
      'in-progress',
      'rolled-back',
    ]);
    const status = await controller.status(deploymentId);
    expect(status).toEqual({
      state: 'rolled-back',
      controllerStatus: 'ROLLBACK_SUCCESSFUL',
      reason: 'PRODUCTION_TRAFFIC_SHIFT: the hook answered FAILED',
    });
    const result = (await controller.settled(deploymentId))!;
    expect(rehearsal.proxy.getWeights()).toMatchObject({
      [result.targetGroups.live]: 100,
      [result.targetGroups.new]: 0,
    });
  }, 30_000);

  it('abort mid-shift (StopServiceDeployment ROLLBACK) puts traffic back on the old revision and ends rolled-back', async () => {
    // A long step bake holds the deployment at 50 % after the hook passed the first step.
    const held = configuration({ linearConfiguration: { stepPercent: 50, stepBakeTimeInMinutes: 60 } });
    const { deploymentId } = await controller.start(target(held), await request('greenlight/demo-app:v2'));
    await until(() => Object.values(rehearsal.proxy.getWeights()).includes(50));

    await controller.abort(deploymentId);

    expect((await controller.status(deploymentId)).state).toBe('rolling-back');
    expect(await follow(deploymentId)).toEqual(['rolling-back', 'rolled-back']);
    expect(await controller.status(deploymentId)).toMatchObject({
      state: 'rolled-back',
      reason: 'STOPPED: StopServiceDeployment (ROLLBACK) requested',
    });
    const result = (await controller.settled(deploymentId))!;
    expect(rehearsal.proxy.getWeights()).toMatchObject({
      [result.targetGroups.live]: 100,
      [result.targetGroups.new]: 0,
    });
    expect(result.productionShifts.map((p) => p.newPercent)).toEqual([50, 0]);
    expect(result.invocations.filter((i) => i.rollback).map((i) => i.stage)).toEqual([
      'PRODUCTION_TRAFFIC_SHIFT',
    ]);
    // Well before the 60-s step bake: the stop ended the wait.
    expect(result.endedAt - result.startedAt).toBeLessThan(30_000);
  }, 30_000);
});
