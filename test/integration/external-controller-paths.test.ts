/**
 * The blue/green machine with controller ecs | codedeploy: the real ASL and step handlers in the
 * memory world, with a memory controller (simulated) standing in for CodeDeploy / ECS.
 */
import { ThrottlingError } from '../../shared/domain/errors';
import type { DeploymentSpecInput } from '../../shared/domain/spec';
import { specFor } from '../fixtures/spec';
import { MemoryController } from '../support/memory-controller';
import { memoryRequest, memoryWorld, runInMemory, statesEntered } from '../support/memory-world';

// A plan ECS can express (one canary step).
const ECS: Partial<DeploymentSpecInput> = {
  controller: 'ecs',
  plan: { steps: [{ weight: 10, holdSeconds: 300 }] },
  ecs: {
    service: 'web-ecs',
    hookFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:greenlight-prod-ecs-hook',
    hookRoleArn: 'arn:aws:iam::123456789012:role/greenlight-prod-ecs-hook-invoke',
  },
};

const CODEDEPLOY: Partial<DeploymentSpecInput> = {
  controller: 'codedeploy',
  plan: { preset: 'all-at-once' },
  codedeploy: {
    application: 'gl-web',
    deploymentGroup: 'gl-web-prod',
    hookFunction: 'greenlight-prod-codedeploy-hook',
    allowUnjudgedSteps: false,
  },
};

function externalWorld() {
  const world = memoryWorld();
  world.fleet.addService({ cluster: 'local', service: 'web-ecs' }, 'tg-ecs', 'app:1', 2);
  const controller = new MemoryController();
  return { world, controller, deps: { ...world, controllers: { ecs: controller, codedeploy: controller } } };
}

// Without Greenlight's slots and route: the driven branch never reads them.
const request = (spec: Partial<DeploymentSpecInput> = ECS) =>
  memoryRequest({ spec: { ...specFor(spec, { pace: 'memory' }), slots: undefined, traffic: undefined } });

const eventTypes = (world: ReturnType<typeof memoryWorld>) =>
  (world.store.events.get('d-1') ?? []).map((e) => e.type);

describe('blue-green state machine with an external controller', () => {
  it.each([
    ['ecs', ECS],
    ['codedeploy', CODEDEPLOY],
  ])(
    'controller %s: starts the new revision, follows it to success, promotes, releases the lock',
    async (_name, spec) => {
      const { world, controller, deps } = externalWorld();

      const result = await runInMemory(deps, request(spec));

      expect(result.status).toBe('SUCCEEDED');
      expect(controller.deployments).toHaveLength(1);
      expect(controller.deployments[0]?.request).toEqual({
        cluster: 'local',
        taskDefinitionArn: 'app:2',
        container: { name: 'app', port: 8080 },
        description: 'Greenlight deployment d-1: registry.local/web:v2',
      });
      expect(world.fleet.revisions).toEqual([
        { from: 'app:1', container: 'app', image: 'registry.local/web:v2', id: 'app:2' },
      ]);
      expect(world.store.records.get('d-1')).toMatchObject({
        status: 'PROMOTED',
        external: { controller: spec.controller, deploymentId: 'ext-1' },
      });
      expect(world.store.locks.size).toBe(0);
      expect(world.notifier.sent.map((m) => m.attributes.outcome)).toEqual(['PROMOTED']);
      expect(world.notifier.sent[0]?.message).toContain(`Shifted by: ${spec.controller} deployment ext-1`);
      // Greenlight's own path is never entered: no color launched, no weights moved.
      expect(statesEntered(result)).not.toContain('LaunchNewColor');
      expect(world.router.history).toEqual([]);
      // One history event per change of state, not per poll.
      expect(eventTypes(world)).toEqual([
        'PREPARED',
        'EXTERNAL_STARTED',
        'EXTERNAL_STATUS',
        'EXTERNAL_STATUS',
        'PROMOTED',
      ]);
    },
  );

  it('controller greenlight still takes the two-service path', async () => {
    const { world, controller, deps } = externalWorld();
    const result = await runInMemory(deps, memoryRequest());
    expect(result.status).toBe('SUCCEEDED');
    expect(statesEntered(result)).toContain('LaunchNewColor');
    expect(statesEntered(result)).not.toContain('StartExternal');
    expect(controller.deployments).toEqual([]);
    expect(world.router.history.at(-1)).toEqual({ blue: 0, green: 100 });
  });

  it('ends rolled back, with the controller’s reason, when the controller rolls back', async () => {
    const { world, controller, deps } = externalWorld();
    controller.script = [
      { state: 'in-progress', controllerStatus: 'IN_PROGRESS' },
      { state: 'rolling-back', controllerStatus: 'ROLLBACK_IN_PROGRESS' },
      { state: 'rolled-back', controllerStatus: 'ROLLBACK_SUCCESSFUL', reason: 'hook answered FAILED' },
    ];

    const result = await runInMemory(deps, request());

    expect(result.status).toBe('FAILED');
    expect(statesEntered(result)).toContain('RolledBack');
    expect(world.store.records.get('d-1')).toMatchObject({
      status: 'ROLLED_BACK',
      error: {
        error: 'ExternalDeploymentRolledBack',
        cause: 'controller reports ROLLBACK_SUCCESSFUL: hook answered FAILED',
      },
    });
    expect(world.store.locks.size).toBe(0);
    expect(controller.aborts).toEqual([]);
  });

  it('ends rollback failed, keeping the lock, when the controller fails with no rollback', async () => {
    const { world, controller, deps } = externalWorld();
    controller.script = [{ state: 'failed', controllerStatus: 'Failed', reason: 'task set unhealthy' }];

    const result = await runInMemory(deps, request(CODEDEPLOY));

    expect(result.status).toBe('FAILED');
    expect(world.store.records.get('d-1')).toMatchObject({
      status: 'ROLLBACK_FAILED',
      error: { error: 'ExternalDeploymentFailed', cause: 'controller reports Failed: task set unhealthy' },
    });
    expect(world.store.locks.size).toBe(1);
    expect(world.notifier.sent[0]?.message).toContain(
      'ACTION NEEDED: codedeploy reported no finished rollback of ext-1',
    );
  });

  it('ends rollback failed, keeping the lock, when the controller stopped it without a rollback', async () => {
    const { world, controller, deps } = externalWorld();
    controller.script = [{ state: 'stopped', controllerStatus: 'STOPPED' }];

    const result = await runInMemory(deps, request());

    expect(result.status).toBe('FAILED');
    expect(world.store.records.get('d-1')).toMatchObject({
      status: 'ROLLBACK_FAILED',
      error: { error: 'ExternalDeploymentStopped', cause: 'controller reports STOPPED' },
    });
    expect(world.store.locks.size).toBe(1);
    expect(world.notifier.sent[0]?.message).toContain(
      'ACTION NEEDED: ecs reported no finished rollback of ext-1',
    );
  });

  it('aborts through the controller on an abort request, and ends rolled back naming who asked', async () => {
    const { world, controller, deps } = externalWorld();
    controller.script = [{ state: 'in-progress', controllerStatus: 'IN_PROGRESS' }];
    let polls = 0;

    const result = await runInMemory(deps, request(), {
      onTask: (state) => {
        if (state === 'PollExternal' && ++polls === 2) {
          void world.store.updateDeployment('d-1', {
            control: { action: 'abort', by: 'alice', at: world.clock.now() },
          });
        }
      },
    });

    expect(result.status).toBe('FAILED');
    expect(controller.aborts).toEqual(['ext-1']);
    expect(world.store.records.get('d-1')).toMatchObject({
      status: 'ROLLED_BACK',
      error: { cause: 'aborted by alice; controller reports ROLLBACK_SUCCESSFUL' },
    });
    expect(eventTypes(world)).toContain('EXTERNAL_ABORTED');
  });

  it('ends the controller’s wait on a promote request, once, and records it', async () => {
    const { world, controller, deps } = externalWorld();
    controller.script = [
      { state: 'waiting', controllerStatus: 'Ready' },
      { state: 'succeeded', controllerStatus: 'Succeeded' },
    ];
    let polls = 0;

    const result = await runInMemory(deps, request(CODEDEPLOY), {
      onTask: (state) => {
        if (state === 'PollExternal' && ++polls === 3) {
          void world.store.updateDeployment('d-1', {
            control: { action: 'promote', by: 'bob', at: world.clock.now() },
          });
        }
      },
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(controller.promotes).toEqual(['ext-1']);
    expect(world.store.records.get('d-1')?.status).toBe('PROMOTED');
    expect(eventTypes(world)).toContain('EXTERNAL_PROMOTED');
  });

  it('adopts the deployment a start took before it failed: a retried start creates no second one', async () => {
    const { world, controller, deps } = externalWorld();
    controller.failStartAfterTaking = new ThrottlingError('Rate exceeded');

    const result = await runInMemory(deps, request(CODEDEPLOY));

    expect(result.status).toBe('SUCCEEDED');
    expect(controller.deployments.map((d) => d.id)).toEqual(['ext-1']);
    expect(world.store.records.get('d-1')).toMatchObject({
      status: 'PROMOTED',
      external: { controller: 'codedeploy', deploymentId: 'ext-1' },
    });
    expect(eventTypes(world)).toContain('EXTERNAL_ADOPTED');
  });

  it('aborts the started deployment when a poll fails, and follows its rollback to the end', async () => {
    const { world, controller, deps } = externalWorld();
    controller.statusFailures = 1;

    const result = await runInMemory(deps, request());

    expect(result.status).toBe('FAILED');
    expect(statesEntered(result)).toEqual(expect.arrayContaining(['AbortExternal', 'RolledBack']));
    expect(controller.aborts).toEqual(['ext-1']);
    expect(world.store.records.get('d-1')).toMatchObject({
      status: 'ROLLED_BACK',
      error: { error: 'ExternalDeploymentRolledBack' },
    });
    expect(world.store.records.get('d-1')?.error?.cause).toMatch(/^Error: GetDeployment: internal error/);
    expect(world.store.locks.size).toBe(0);
  });

  it('ends rollback failed when polls keep failing after the abort', async () => {
    const { world, controller, deps } = externalWorld();
    controller.statusFailures = 100;

    const result = await runInMemory(deps, request());

    expect(result.status).toBe('FAILED');
    expect(controller.aborts).toEqual(['ext-1']);
    expect(world.store.records.get('d-1')?.status).toBe('ROLLBACK_FAILED');
    expect(world.store.locks.size).toBe(1);
  });

  it('aborts a deployment past its deadline', async () => {
    const { world, controller, deps } = externalWorld();
    controller.script = [{ state: 'in-progress', controllerStatus: 'IN_PROGRESS' }];
    // Each clock read moves an hour on: the deadline passes within a few polls.
    const now = world.clock.now();
    let reads = 0;
    const clock = { now: () => now + ++reads * 3_600_000 };

    const result = await runInMemory({ ...deps, clock }, request());

    expect(result.status).toBe('FAILED');
    expect(controller.aborts).toEqual(['ext-1']);
    expect(world.store.records.get('d-1')?.error?.cause).toMatch(/^the deployment passed its deadline/);
  });

  it('ends a CodeDeploy termination wait the deadline finds, instead of rolling back, and ends promoted', async () => {
    const { world, controller, deps } = externalWorld();
    controller.script = [
      { state: 'in-progress', controllerStatus: 'Baking', terminationWait: true },
      { state: 'succeeded', controllerStatus: 'Succeeded' },
    ];
    // Each clock read moves an hour on: the first poll finds it Baking past its deadline.
    const now = world.clock.now();
    let reads = 0;
    const clock = { now: () => now + ++reads * 3_600_000 };

    const result = await runInMemory({ ...deps, clock }, request(CODEDEPLOY));

    expect(result.status).toBe('SUCCEEDED');
    expect(controller.aborts).toEqual([]);
    expect(controller.promotes).toEqual(['ext-1']);
    expect(world.store.records.get('d-1')?.status).toBe('PROMOTED');
    expect(eventTypes(world)).toContain('EXTERNAL_DEADLINE_WAIT_ENDED');
    expect(world.store.locks.size).toBe(0);
  });

  it('rejects the deployment in Prepare, before any change, when no controller of its kind is configured', async () => {
    const { world, controller, deps } = externalWorld();
    const result = await runInMemory({ ...deps, controllers: {} }, request());

    expect(result.status).toBe('FAILED');
    expect(controller.deployments).toEqual([]);
    expect(world.store.records.get('d-1')).toMatchObject({ status: 'REJECTED' });
    expect(world.store.records.get('d-1')?.error?.cause).toMatch(/no ecs controller is configured/);
    expect(world.fleet.revisions).toEqual([]);
    expect(world.store.locks.size).toBe(0);
  });

  it('ends rolled back with nothing to stop when the controller refused the start', async () => {
    const { world, controller, deps } = externalWorld();
    controller.failStartBeforeTaking = new Error('InvalidDeploymentGroupNameException');

    const result = await runInMemory(deps, request(CODEDEPLOY));

    expect(result.status).toBe('FAILED');
    expect(statesEntered(result)).toEqual(expect.arrayContaining(['AbortExternal', 'RolledBack']));
    expect(controller.aborts).toEqual([]);
    expect(world.store.records.get('d-1')).toMatchObject({
      status: 'ROLLED_BACK',
      error: { error: 'ExternalDeploymentNotStarted' },
    });
    expect(world.store.records.get('d-1')?.error?.cause).toContain('InvalidDeploymentGroupNameException');
    expect(eventTypes(world)).toContain('EXTERNAL_NOT_STARTED');
    expect(world.store.locks.size).toBe(0);
  });

  it('ends rollback failed, keeping the lock, when the abort itself fails', async () => {
    const { world, controller, deps } = externalWorld();
    controller.statusFailures = 1;
    controller.abortError = new Error('StopServiceDeployment: access denied');

    const result = await runInMemory(deps, request());

    expect(result.status).toBe('FAILED');
    expect(world.store.records.get('d-1')?.status).toBe('ROLLBACK_FAILED');
    expect(world.store.records.get('d-1')?.error?.cause).toContain('access denied');
    expect(world.store.locks.size).toBe(1);
  });
});
