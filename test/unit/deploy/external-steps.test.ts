/**
 * StartExternal, PollExternal and AbortExternal on their own, with a memory controller (simulated).
 */
import { abortExternal } from '../../../functions/deploy/abort-external';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  EXECUTION_TIMEOUT_SECONDS,
  externalPollSeconds,
  externalTiming,
  type ExternalProgress,
} from '../../../functions/deploy/external';
import { pollExternal } from '../../../functions/deploy/poll-external';
import { startExternal } from '../../../functions/deploy/start-external';
import { InvalidInputError } from '../../../shared/domain/errors';
import { greenlightIdOfHookDetails } from '../../../shared/domain/hooks/hook-history';
import { maxDurationSeconds } from '../../../shared/domain/plan';
import type { EcsNativeTarget } from '../../../shared/aws/ecs-native-deployments';
import { parseSpec } from '../../fixtures/spec';
import { MemoryController } from '../../support/memory-controller';
import { ManualClock, MemoryStore, silentLogger } from '../../support/memory-ports';

const SPEC = parseSpec(
  {
    controller: 'ecs',
    plan: { steps: [{ weight: 10, holdSeconds: 300 }] },
    ecs: {
      service: 'web-ecs',
      hookFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:greenlight-prod-ecs-hook',
      hookRoleArn: 'arn:aws:iam::123456789012:role/greenlight-prod-ecs-hook-invoke',
    },
  },
  { pace: 'memory' },
);
const START = Date.UTC(2026, 0, 1);
const DEPLOYMENT = {
  id: 'd-1',
  image: 'registry/web:2',
  requestedBy: 'test',
  taskDefinition: 'app:2',
  startedAt: START,
  controller: 'ecs' as const,
};

async function setUp() {
  const store = new MemoryStore();
  await store.createDeployment({
    id: 'd-1',
    service: 'web',
    cluster: 'local',
    image: 'registry/web:2',
    requestedBy: 'test',
    status: 'IN_PROGRESS',
    startedAt: START,
  });
  const controller = new MemoryController();
  const clock = new ManualClock(START);
  return {
    store,
    controller,
    clock,
    deps: { store, clock, logger: silentLogger(), controllers: { ecs: controller } },
  };
}

const progress = (overrides: Partial<ExternalProgress> = {}): ExternalProgress => ({
  controller: 'ecs',
  deploymentId: 'ext-1',
  state: 'in-progress',
  controllerStatus: 'IN_PROGRESS',
  pollSeconds: 1,
  deadline: START + 3_600_000,
  aborted: false,
  ...overrides,
});

describe('StartExternal', () => {
  it('starts once and keeps the controller’s id on the record before returning', async () => {
    const { store, controller, deps } = await setUp();
    const result = await startExternal(deps, { deployment: DEPLOYMENT, spec: SPEC });
    expect(result).toMatchObject({ deploymentId: 'ext-1', state: 'in-progress', aborted: false });
    expect(result.pollSeconds).toBe(externalPollSeconds(SPEC));
    expect(controller.deployments[0]?.request.description).toBe('Greenlight deployment d-1: registry/web:2');
    expect((await store.getDeployment('d-1'))?.external).toEqual({
      controller: 'ecs',
      deploymentId: 'ext-1',
    });
  });

  it('registers the ECS hook with this deployment’s id, so its verdicts land in this history', async () => {
    const { controller, deps } = await setUp();
    await startExternal(deps, { deployment: DEPLOYMENT, spec: SPEC });
    const target = controller.deployments[0]?.target as EcsNativeTarget;
    expect(target.configuration.lifecycleHooks[0]?.hookDetails.greenlight.deploymentId).toBe('d-1');
    expect(greenlightIdOfHookDetails(target.configuration.lifecycleHooks[0]!.hookDetails)).toBe('d-1');
  });

  it('adopts the id kept on the record without asking the controller to start or search', async () => {
    const { store, controller, deps } = await setUp();
    await store.updateDeployment('d-1', { external: { controller: 'ecs', deploymentId: 'ext-9' } });
    const findStarted = jest.spyOn(controller, 'findStarted');
    const result = await startExternal(deps, { deployment: DEPLOYMENT, spec: SPEC });
    expect(result.deploymentId).toBe('ext-9');
    expect(controller.deployments).toEqual([]);
    expect(findStarted).not.toHaveBeenCalled();
    expect(store.events.get('d-1')?.map((e) => e.type)).toEqual(['EXTERNAL_ADOPTED']);
  });

  it('sets the deadline past the controller’s own ready and termination waits, polling within budget', async () => {
    const { store, controller, deps } = await setUp();
    controller.waits = { readySeconds: 600, terminationSeconds: 7200 };
    const result = await startExternal(deps, { deployment: DEPLOYMENT, spec: SPEC });
    const seconds = maxDurationSeconds(SPEC) + 7800;
    expect(result.deadline).toBe(START + seconds * 1000);
    expect(result.pollSeconds).toBe(externalPollSeconds(SPEC, seconds));
    expect(store.events.get('d-1')?.[0]?.data).toMatchObject({
      controllerWaitSeconds: 7800,
      deadline: new Date(START + seconds * 1000).toISOString(),
    });
  });

  it('gives an adopted deployment the same deadline as a started one', async () => {
    const { store, controller, deps } = await setUp();
    controller.waits = { readySeconds: 0, terminationSeconds: 3600 };
    await store.updateDeployment('d-1', { external: { controller: 'ecs', deploymentId: 'ext-9' } });
    const result = await startExternal(deps, { deployment: DEPLOYMENT, spec: SPEC });
    expect(result.deadline).toBe(START + (maxDurationSeconds(SPEC) + 3600) * 1000);
  });

  it('refuses input without the external context, naming the field', async () => {
    const { deps } = await setUp();
    const refused = startExternal(deps, { deployment: { ...DEPLOYMENT, taskDefinition: '' }, spec: SPEC });
    await expect(refused).rejects.toThrow(InvalidInputError);
    await expect(refused).rejects.toThrow(/deployment\.taskDefinition/);
  });
});

describe('PollExternal', () => {
  it('records a change of state once, not every poll, and renews the lock', async () => {
    const { store, controller, clock, deps } = await setUp();
    controller.script = [{ state: 'in-progress', controllerStatus: 'IN_PROGRESS' }];
    await controller.start(
      {},
      { cluster: 'local', taskDefinitionArn: 'app:2', container: SPEC.container, description: 'x' },
    );
    const first = await pollExternal(deps, {
      deployment: DEPLOYMENT,
      spec: SPEC,
      external: progress({ controllerStatus: 'started' }),
    });
    clock.advance(1000);
    await pollExternal(deps, { deployment: DEPLOYMENT, spec: SPEC, external: first });
    expect(store.events.get('d-1')?.map((e) => e.type)).toEqual(['EXTERNAL_STATUS']);
    expect(store.locks.get('local/web')?.owner).toBe('d-1');
  });

  it('acts on a pause request once, saying the controller cannot pause', async () => {
    const { store, controller, deps } = await setUp();
    controller.script = [{ state: 'in-progress', controllerStatus: 'IN_PROGRESS' }];
    await controller.start(
      {},
      { cluster: 'local', taskDefinitionArn: 'app:2', container: SPEC.container, description: 'x' },
    );
    await store.updateDeployment('d-1', { control: { action: 'pause', by: 'carol', at: START } });
    const first = await pollExternal(deps, { deployment: DEPLOYMENT, spec: SPEC, external: progress() });
    const second = await pollExternal(deps, { deployment: DEPLOYMENT, spec: SPEC, external: first });
    expect(second).toMatchObject({ aborted: false, controlAt: START });
    expect(store.events.get('d-1')?.filter((e) => e.type === 'EXTERNAL_CONTROL_IGNORED')).toHaveLength(1);
    expect(controller.aborts).toEqual([]);
  });

  const begin = (controller: MemoryController) =>
    controller.start(
      {},
      { cluster: 'local', taskDefinitionArn: 'app:2', container: SPEC.container, description: 'x' },
    );

  it.each([
    ['an abort request', START + 1_800_000, true],
    ['the deadline', START - 1, false],
  ])(
    'does not stop a deployment the controller already rolls back, on %s: handled, nothing called',
    async (_name, deadline, requested) => {
      const { store, controller, deps } = await setUp();
      controller.script = [{ state: 'rolling-back', controllerStatus: 'ROLLBACK_IN_PROGRESS' }];
      await begin(controller);
      if (requested) {
        await store.updateDeployment('d-1', { control: { action: 'abort', by: 'alice', at: START } });
      }
      const result = await pollExternal(deps, {
        deployment: DEPLOYMENT,
        spec: SPEC,
        external: progress({ deadline }),
      });
      expect(result).toMatchObject({ state: 'rolling-back', aborted: true, abortedAt: START });
      expect(controller.aborts).toEqual([]);
      const aborted = store.events.get('d-1')?.filter((e) => e.type === 'EXTERNAL_ABORTED');
      expect(aborted?.map((e) => e.data)).toEqual([{ externalId: 'ext-1', alreadyRollingBack: true }]);
    },
  );

  it.each([
    ['abort', { state: 'in-progress' as const, controllerStatus: 'IN_PROGRESS' }],
    ['promote', { state: 'waiting' as const, controllerStatus: 'IN_PROGRESS' }],
  ])('acts on %s once when the same poll is retried after acting', async (action, status) => {
    const { store, controller, deps } = await setUp();
    controller.script = [status];
    controller.afterAbort = { state: 'rolling-back', controllerStatus: 'ROLLBACK_IN_PROGRESS' };
    await begin(controller);
    await store.updateDeployment('d-1', {
      control: { action: action as 'abort' | 'promote', by: 'alice', at: START },
    });
    const input = { deployment: DEPLOYMENT, spec: SPEC, external: progress() };
    const first = await pollExternal(deps, input);
    // A retry of the Task has the same input as the first try (its answer was lost).
    const retried = await pollExternal(deps, input);
    expect([...controller.aborts, ...controller.promotes]).toEqual(['ext-1']);
    expect(retried).toMatchObject({ controlAt: START, aborted: first.aborted });
  });

  it('renews the lock and keeps the decision before asking the controller to stop', async () => {
    const { store, controller, deps } = await setUp();
    controller.script = [{ state: 'in-progress', controllerStatus: 'IN_PROGRESS' }];
    await begin(controller);
    await store.updateDeployment('d-1', { control: { action: 'abort', by: 'alice', at: START } });
    controller.abortError = new Error('StopServiceDeployment: timed out');
    await expect(
      pollExternal(deps, { deployment: DEPLOYMENT, spec: SPEC, external: progress() }),
    ).rejects.toThrow('timed out');
    expect(store.locks.get('local/web')).toEqual({
      owner: 'd-1',
      expiresAt: START + maxDurationSeconds(SPEC) * 1000,
    });
    expect((await store.getDeployment('d-1'))?.external).toEqual({
      controller: 'ecs',
      deploymentId: 'ext-1',
      controlAt: START,
      abortedAt: START,
      abortReason: 'aborted by alice',
    });
  });

  it('reports failed when the controller never ends its rollback after an abort', async () => {
    const { controller, clock, deps } = await setUp();
    controller.afterAbort = { state: 'rolling-back', controllerStatus: 'ROLLBACK_IN_PROGRESS' };
    await controller.start(
      {},
      { cluster: 'local', taskDefinitionArn: 'app:2', container: SPEC.container, description: 'x' },
    );
    await controller.abort('ext-1');
    clock.advance(31 * 60_000);
    const result = await pollExternal(deps, {
      deployment: DEPLOYMENT,
      spec: SPEC,
      external: progress({ aborted: true, abortedAt: START, abortReason: 'aborted by alice' }),
    });
    expect(result.state).toBe('failed');
    expect(result.error?.Error).toBe('ExternalDeploymentFailed');
  });

  describe('at the deadline', () => {
    const past = (overrides: Partial<ExternalProgress> = {}) =>
      progress({ controller: 'ecs', deadline: START - 1, ...overrides });

    it('ends a termination wait instead of rolling back, records why, and keeps following it', async () => {
      const { store, controller, clock, deps } = await setUp();
      controller.script = [
        { state: 'in-progress', controllerStatus: 'Baking', terminationWait: true },
        { state: 'succeeded', controllerStatus: 'Succeeded' },
      ];
      await begin(controller);
      const first = await pollExternal(deps, { deployment: DEPLOYMENT, spec: SPEC, external: past() });
      expect(first).toMatchObject({ state: 'in-progress', aborted: false, deadlinePassedAt: START });
      expect(controller.aborts).toEqual([]);
      expect(controller.promotes).toEqual(['ext-1']);
      const ended = store.events.get('d-1')?.filter((e) => e.type === 'EXTERNAL_DEADLINE_WAIT_ENDED');
      expect(ended).toHaveLength(1);
      expect(ended?.[0]?.message).toMatch(
        /passed its deadline .* in its termination wait \(Baking\): production traffic is already on the new revision/,
      );
      expect((await store.getDeployment('d-1'))?.external).toMatchObject({ deadlinePassedAt: START });
      clock.advance(1000);
      const second = await pollExternal(deps, { deployment: DEPLOYMENT, spec: SPEC, external: first });
      expect(second).toMatchObject({ state: 'succeeded', aborted: false });
      expect(second.error).toBeUndefined();
      expect(controller.promotes).toEqual(['ext-1']);
    });

    it('ends the termination wait once when the same poll is retried', async () => {
      const { controller, deps } = await setUp();
      controller.script = [{ state: 'in-progress', controllerStatus: 'Baking', terminationWait: true }];
      await begin(controller);
      const input = { deployment: DEPLOYMENT, spec: SPEC, external: past() };
      await pollExternal(deps, input);
      const retried = await pollExternal(deps, input);
      expect(controller.promotes).toEqual(['ext-1']);
      expect(retried).toMatchObject({ aborted: false, deadlinePassedAt: START });
    });

    it('does not fail the poll when ending the termination wait fails, and tries again at the next poll', async () => {
      const { store, controller, clock, deps } = await setUp();
      controller.script = [{ state: 'in-progress', controllerStatus: 'Baking', terminationWait: true }];
      await begin(controller);
      const promote = controller.promote.bind(controller);
      let failures = 1;
      controller.promote = async (id) => {
        if (failures-- > 0) {
          controller.promotes.push(id);
          throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
        }
        return promote(id);
      };
      const first = await pollExternal(deps, { deployment: DEPLOYMENT, spec: SPEC, external: past() });
      expect(first).toMatchObject({ aborted: false, deadlinePassedAt: START, waitEndFailed: true });
      expect(controller.aborts).toEqual([]);
      const failed = store.events.get('d-1')?.filter((e) => e.type === 'EXTERNAL_DEADLINE_WAIT_ENDED');
      expect(failed?.map((e) => e.message)).toEqual([
        expect.stringMatching(
          /ending it failed \(ThrottlingException: Rate exceeded\); retried at each poll/,
        ),
      ]);
      clock.advance(1000);
      const second = await pollExternal(deps, { deployment: DEPLOYMENT, spec: SPEC, external: first });
      expect(second.waitEndFailed).toBeUndefined();
      expect(second.aborted).toBe(false);
      expect(controller.promotes).toEqual(['ext-1', 'ext-1']);
      expect(
        store.events
          .get('d-1')
          ?.filter((e) => e.type === 'EXTERNAL_DEADLINE_WAIT_ENDED')
          .at(-1)?.message,
      ).toMatch(/continued past its termination wait/);
    });

    it('ignores an abort request once the termination wait was ended at the deadline', async () => {
      const { store, controller, clock, deps } = await setUp();
      controller.script = [{ state: 'in-progress', controllerStatus: 'Baking', terminationWait: true }];
      await begin(controller);
      const first = await pollExternal(deps, { deployment: DEPLOYMENT, spec: SPEC, external: past() });
      clock.advance(1000);
      await store.updateDeployment('d-1', { control: { action: 'abort', by: 'alice', at: clock.now() } });
      const second = await pollExternal(deps, { deployment: DEPLOYMENT, spec: SPEC, external: first });
      expect(second.aborted).toBe(false);
      expect(controller.aborts).toEqual([]);
      const ignored = store.events.get('d-1')?.find((e) => e.type === 'EXTERNAL_CONTROL_IGNORED');
      expect(ignored?.message).toMatch(
        /^abort by alice ignored: production traffic is already on the new revision/,
      );
    });

    it('stops a deployment still held at its ready wait with rollback, saying so', async () => {
      const { store, controller, deps } = await setUp();
      controller.script = [{ state: 'waiting', controllerStatus: 'Ready' }];
      await begin(controller);
      const result = await pollExternal(deps, { deployment: DEPLOYMENT, spec: SPEC, external: past() });
      expect(result).toMatchObject({ aborted: true, abortedAt: START });
      expect(result.abortReason).toMatch(/passed its deadline .* held at a wait no one ended \(Ready\)/);
      expect(controller.aborts).toEqual(['ext-1']);
      expect(controller.promotes).toEqual([]);
      const aborted = store.events.get('d-1')?.find((e) => e.type === 'EXTERNAL_ABORTED');
      expect(aborted?.message).toMatch(/\(Ready\).*stopped with rollback/);
    });

    it('keeps the lock and does not abort through a group wait longer than the plan', async () => {
      const { store, controller, clock, deps } = await setUp();
      controller.waits = { readySeconds: 0, terminationSeconds: 4 * 3600 };
      controller.script = [{ state: 'in-progress', controllerStatus: 'Baking', terminationWait: true }];
      const started = await startExternal(deps, { deployment: DEPLOYMENT, spec: SPEC });
      // Past the plan's longest duration, inside the group's termination wait.
      clock.advance((maxDurationSeconds(SPEC) + 3600) * 1000);
      const polled = await pollExternal(deps, { deployment: DEPLOYMENT, spec: SPEC, external: started });
      expect(polled).toMatchObject({ aborted: false, state: 'in-progress' });
      expect(polled.deadlinePassedAt).toBeUndefined();
      expect(controller.aborts).toEqual([]);
      expect(controller.promotes).toEqual([]);
      expect(store.locks.get('local/web')).toEqual({
        owner: 'd-1',
        expiresAt: clock.now() + maxDurationSeconds(SPEC) * 1000,
      });
    });

    it('reports failed when the controller never ends after its termination wait was ended', async () => {
      const { controller, clock, deps } = await setUp();
      controller.script = [{ state: 'in-progress', controllerStatus: 'Baking', terminationWait: true }];
      await begin(controller);
      clock.advance(31 * 60_000);
      const result = await pollExternal(deps, {
        deployment: DEPLOYMENT,
        spec: SPEC,
        external: past({ deadlinePassedAt: START }),
      });
      expect(result).toMatchObject({ state: 'failed', aborted: false });
      expect(result.reason).toMatch(/after its termination wait was ended at the deadline/);
      expect(controller.aborts).toEqual([]);
    });
  });
});

describe('AbortExternal', () => {
  it('stops a deployment a failed start took (its id kept on the record)', async () => {
    const { store, controller, deps } = await setUp();
    await controller.start(
      {},
      { cluster: 'local', taskDefinitionArn: 'app:2', container: SPEC.container, description: 'x' },
    );
    await store.updateDeployment('d-1', { external: { controller: 'ecs', deploymentId: 'ext-1' } });
    const result = await abortExternal(deps, {
      deployment: DEPLOYMENT,
      spec: SPEC,
      external: null,
      error: { Error: 'Error', Cause: 'boom' },
    });
    expect(controller.aborts).toEqual(['ext-1']);
    expect(result).toMatchObject({
      deploymentId: 'ext-1',
      state: 'in-progress',
      aborted: true,
      abortReason: 'Error: boom',
    });
  });

  it('keeps a found id before stopping it, so a retry follows the rollback instead of ending "not started"', async () => {
    const { store, controller, deps } = await setUp();
    await controller.start(
      {},
      {
        cluster: 'local',
        taskDefinitionArn: 'app:2',
        container: SPEC.container,
        description: 'Greenlight deployment d-1: registry/web:2',
      },
    );
    const input = {
      deployment: DEPLOYMENT,
      spec: SPEC,
      external: null,
      error: { Error: 'Error', Cause: 'boom' },
    };
    const first = await abortExternal(deps, input);
    // The retry: the stopped deployment is no longer found by a search for running ones.
    const retried = await abortExternal(deps, input);
    expect(first.deploymentId).not.toBeNull();
    expect(retried).toMatchObject({ deploymentId: first.deploymentId, state: 'in-progress', aborted: true });
    expect(controller.aborts).toEqual([first.deploymentId, first.deploymentId]);
    expect((await store.getDeployment('d-1'))?.external).toMatchObject({
      controller: 'ecs',
      deploymentId: first.deploymentId,
      abortReason: 'Error: boom',
    });
  });

  it('ends at once with nothing to stop when no deployment was started', async () => {
    const { controller, deps } = await setUp();
    const result = await abortExternal(deps, {
      deployment: DEPLOYMENT,
      spec: SPEC,
      external: null,
      error: { Error: 'EcsNativeDeploymentError', Cause: 'service web-ecs not found' },
    });
    expect(controller.aborts).toEqual([]);
    expect(result).toMatchObject({
      deploymentId: null,
      state: 'not-started',
      error: { Error: 'ExternalDeploymentNotStarted' },
    });
    expect(result.error?.Cause).toContain('service web-ecs not found');
  });
});

describe('externalPollSeconds', () => {
  it('polls every gate interval while that fits the history budget', () => {
    const spec = parseSpec({ controller: 'ecs', ecs: SPEC.ecs, plan: { preset: 'all-at-once' } });
    expect(externalPollSeconds(spec)).toBe(spec.gate.intervalSeconds);
  });

  it('stretches the interval so a long deployment’s polls stay within 15,000 history events', () => {
    const long = parseSpec({
      controller: 'ecs',
      ecs: SPEC.ecs,
      plan: { preset: 'all-at-once' },
      gate: { intervalSeconds: 1 },
      bakeSeconds: 600,
    });
    const seconds = externalPollSeconds(long);
    expect(seconds).toBeGreaterThan(1);
    const longest = maxDurationSeconds(long) + 30 * 60;
    expect(Math.ceil(longest / seconds) * 9).toBeLessThanOrEqual(15_000);
  });
});

describe('externalTiming', () => {
  const planned = maxDurationSeconds(SPEC);

  it('is the plan’s longest duration when the controller adds no wait', () => {
    expect(externalTiming(SPEC, START, undefined)).toEqual({
      deadline: START + planned * 1000,
      pollSeconds: externalPollSeconds(SPEC),
      waitSeconds: 0,
      capped: false,
    });
  });

  it('never reaches past what the execution’s timeout leaves for an abort’s grace and Finish', () => {
    const twoDays = 2880 * 60;
    const timing = externalTiming(SPEC, START, { readySeconds: twoDays, terminationSeconds: twoDays });
    expect(timing.capped).toBe(true);
    expect(timing.deadline).toBe(START + (EXECUTION_TIMEOUT_SECONDS - 30 * 60 - 600) * 1000);
    const seconds = (timing.deadline - START) / 1000 + 30 * 60;
    expect(Math.ceil(seconds / timing.pollSeconds) * 9).toBeLessThanOrEqual(15_000);
  });

  it('knows the blue/green execution’s timeout', () => {
    const asl = JSON.parse(
      readFileSync(join(__dirname, '../../../statemachines/blue-green.asl.json'), 'utf8'),
    ) as { TimeoutSeconds: number };
    expect(asl.TimeoutSeconds).toBe(EXECUTION_TIMEOUT_SECONDS);
  });
});
