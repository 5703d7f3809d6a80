/**
 * `controller: ecs | codedeploy` is routed: every way in (startDeployment for the API and the
 * pipeline, Prepare) accepts it, Prepare registers the revision from the controller's service
 * without touching Greenlight's colors, and the machine chooses the external branch after Prepare.
 */
import { dryRunDeployment } from '../../../functions/deploy/dry-run';
import { prepare } from '../../../functions/deploy/prepare';
import { reconcile } from '../../../functions/reconcile/reconcile';
import { InvalidInputError } from '../../../shared/domain/errors';
import { maxDurationSeconds } from '../../../shared/domain/plan';
import { SpecSchema } from '../../../shared/domain/spec';
import { parseInput } from '../../../shared/domain/validation';
import { startDeployment } from '../../../functions/deploy/start';
import { loadStateMachine } from '../../../shared/local/sfn/engine';
import { LocalExecutions } from '../../../shared/local/sfn/local-executions';
import { specFor } from '../../fixtures/spec';
import { MemoryController } from '../../support/memory-controller';
import { ManualClock, silentLogger } from '../../support/memory-ports';
import { memoryRequest, memoryWorld } from '../../support/memory-world';

const ECS = {
  controller: 'ecs' as const,
  plan: { steps: [{ weight: 10, holdSeconds: 300 }] },
  ecs: {
    service: 'web-ecs',
    hookFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:greenlight-prod-ecs-hook',
    hookRoleArn: 'arn:aws:iam::123456789012:role/greenlight-prod-ecs-hook-invoke',
  },
};
const CODEDEPLOY = {
  controller: 'codedeploy' as const,
  plan: { preset: 'all-at-once' as const },
  codedeploy: { application: 'gl-web', deploymentGroup: 'gl-web-prod', hookFunction: 'greenlight-hook' },
};

describe('controller routing', () => {
  it('lets startDeployment start an execution for controller ecs', async () => {
    const runs: string[] = [];
    const executions = new LocalExecutions(async (id) => {
      runs.push(id);
      return true;
    });
    const deps = { executions, clock: new ManualClock(), logger: silentLogger() };

    const started = await startDeployment(deps, {
      deploymentId: 'd-ecs',
      image: 'registry/web:2',
      spec: specFor(ECS),
    });

    expect(started).toEqual({ deploymentId: 'd-ecs', outcome: 'started' });
    expect(runs).toEqual(['d-ecs']);
  });

  it.each([
    ['ecs', ECS],
    ['codedeploy', CODEDEPLOY],
  ])(
    'prepares controller %s: lock, record, revision from the controller’s service, no colors, no scaling',
    async (name, spec) => {
      const world = memoryWorld();
      world.fleet.addService({ cluster: 'local', service: 'web-ecs' }, 'tg-ecs', 'app:7', 3);
      const controller = new MemoryController({ cluster: 'local', service: 'web-ecs' });

      const prepared = await prepare(
        { ...world, controllers: { ecs: controller, codedeploy: controller } },
        memoryRequest({ spec: specFor(spec, { pace: 'memory' }) }),
      );

      expect(prepared.deployment).toEqual({
        id: 'd-1',
        image: 'registry.local/web:v2',
        requestedBy: 'test',
        taskDefinition: 'app:2',
        startedAt: expect.any(Number),
        controller: name,
      });
      expect(prepared.external).toBeNull();
      expect(world.fleet.revisions).toEqual([
        { from: 'app:7', container: 'app', image: 'registry.local/web:v2', id: 'app:2' },
      ]);
      expect(world.store.records.get('d-1')).toMatchObject({
        status: 'IN_PROGRESS',
        taskDefinition: 'app:2',
      });
      expect(world.store.records.get('d-1')?.liveColor).toBeUndefined();
      expect([...world.store.locks.keys()]).toEqual(['local/web']);
      expect(world.scaling.writes).toEqual([]);
      // Greenlight's slots are not touched.
      expect(world.router.history).toEqual([]);
    },
  );

  it('keeps controller greenlight on the two-service Prepare', async () => {
    const world = memoryWorld();
    const prepared = await prepare(world, memoryRequest());
    expect(prepared.deployment).toMatchObject({ liveColor: 'blue', newColor: 'green' });
  });

  it('chooses the external branch after Prepare for ecs and codedeploy, LaunchNewColor otherwise', () => {
    const { definition } = loadStateMachine('blue-green.asl.json');
    const states = definition.States as Record<
      string,
      { Next?: string; Default?: string; Choices?: unknown }
    >;
    expect(states.Prepare?.Next).toBe('Controller?');
    expect(states['Controller?']).toMatchObject({
      Default: 'LaunchNewColor',
      Choices: [
        {
          Or: [
            { Variable: '$.spec.controller', StringEquals: 'codedeploy' },
            { Variable: '$.spec.controller', StringEquals: 'ecs' },
          ],
          Next: 'StartExternal',
        },
      ],
    });
  });

  it('never repairs Greenlight’s colors for a dead deployment another controller shifted', async () => {
    const world = memoryWorld();
    const now = world.clock.now();
    await world.store.createDeployment({
      id: 'd-ext',
      service: 'web',
      cluster: 'local',
      image: 'registry.local/web:v2',
      requestedBy: 'test',
      status: 'IN_PROGRESS',
      startedAt: now - 60_000,
      spec: SpecSchema.parse(specFor(ECS, { pace: 'memory' })),
      external: { controller: 'ecs', deploymentId: 'ext-1' },
    });
    const executions = { status: jest.fn(async () => 'FAILED' as const) };

    const report = await reconcile({ ...world, executions });

    expect(report.repaired).toEqual([]);
    expect(report.skipped).toEqual([
      { id: 'd-ext', reason: expect.stringContaining('ecs deployment ext-1') },
    ]);
    expect(world.router.history).toEqual([]);
    expect(world.store.records.get('d-ext')?.status).toBe('IN_PROGRESS');
    // A Greenlight deployment of the service is not held up by it.
    const prepared = await prepare(world, memoryRequest({ spec: specFor({}, { pace: 'memory' }) }));
    expect(prepared.deployment).toMatchObject({ id: 'd-1' });
  });

  it('needs slots and traffic for controller greenlight only, naming the missing field', () => {
    const external = parseInput(
      SpecSchema,
      { ...specFor(ECS), slots: undefined, traffic: undefined },
      'spec',
    );
    expect(external.slots).toBeUndefined();
    expect(() => parseInput(SpecSchema, { ...specFor(), slots: undefined }, 'spec')).toThrow(
      /spec\.slots: required when controller is greenlight/,
    );
    expect(() => parseInput(SpecSchema, { ...specFor(), traffic: undefined }, 'spec')).toThrow(
      InvalidInputError,
    );
  });

  it.each([
    ['ecs', ECS],
    ['codedeploy', CODEDEPLOY],
  ])(
    'refuses user hooks for controller %s, naming spec.hooks; they never lengthen its lease',
    (name, driven) => {
      const hooks = { beforePromote: { name: 'qa', url: 'https://qa.example.com/', deadlineSeconds: 3600 } };
      expect(() => parseInput(SpecSchema, specFor({ ...driven, hooks }), 'spec')).toThrow(
        new RegExp(
          `spec\\.hooks: not allowed when controller is ${name}: driven deployments use the controller's own hooks`,
        ),
      );
      expect(parseInput(SpecSchema, specFor({ hooks }), 'spec').hooks).toBeDefined();
      // A record stored before the refusal still has a lease without hook waits it cannot have.
      const parsed = parseInput(SpecSchema, specFor(driven), 'spec');
      const withHooks = { ...parsed, hooks: parseInput(SpecSchema, specFor({ hooks }), 'spec').hooks };
      expect(maxDurationSeconds(withHooks)).toBe(maxDurationSeconds(parsed));
      const own = parseInput(SpecSchema, specFor({ hooks }), 'spec');
      expect(maxDurationSeconds(own) - maxDurationSeconds({ ...own, hooks: undefined })).toBe(3600);
    },
  );

  it('prepares an ecs spec without slots or traffic', async () => {
    const world = memoryWorld();
    world.fleet.addService({ cluster: 'local', service: 'web-ecs' }, 'tg-ecs', 'app:1', 2);
    const spec = { ...specFor(ECS, { pace: 'memory' }), slots: undefined, traffic: undefined };
    const prepared = await prepare(
      { ...world, controllers: { ecs: new MemoryController() } },
      memoryRequest({ spec }),
    );
    expect(prepared.deployment).toMatchObject({ controller: 'ecs', taskDefinition: 'app:2' });
  });

  it('refuses a dry run of a driven deployment, naming spec.controller, before any read', async () => {
    const read = jest.fn(async () => {
      throw new Error('no read expected');
    });
    const deps = {
      alarms: { firing: read, missing: read },
      router: { getWeights: read, stickiness: read },
      fleet: { describe: read, describeRevision: read },
      scaling: { read },
      deployments: { runningDeployment: read },
    };
    const refused = dryRunDeployment(deps as never, { image: 'registry/web:2', spec: specFor(ECS) });
    await expect(refused).rejects.toMatchObject({ issues: [{ path: 'spec.controller' }] });
    expect(read).not.toHaveBeenCalled();
  });
});
