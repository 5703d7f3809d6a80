import 'aws-sdk-client-mock-jest';
import type { Context } from 'aws-lambda';
import {
  CodeDeployClient,
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  ListDeploymentTargetsCommand,
  PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import {
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  DescribeTaskSetsCommand,
  DescribeTasksCommand,
  ECSClient,
  ECSServiceException,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import {
  codeDeployHook,
  createCodeDeployHookHandler,
  watchExecutionName,
  type CodeDeployHookDeps,
  type GateWatchDocument,
} from '../../../functions/hooks/codedeploy-hook';
import { gateWatchEvaluate, type EvaluatedDocument } from '../../../functions/hooks/gate-watch';
import { CodeDeployHookService } from '../../../shared/aws/codedeploy-hooks';
import { EcsNewTaskStops, EcsNewTaskStopsError } from '../../../shared/aws/ecs-new-task-stops';
import { SfnExecutions } from '../../../shared/aws/sfn-executions';
import { MAX_WATCH_SECONDS, parseHookSpecs } from '../../../shared/domain/hooks/codedeploy-hook-plan';
import type { CodeDeployEcsHook } from '../../../shared/domain/hooks/codedeploy-hook-event';
import {
  APPLICATION,
  CD_CLUSTER,
  CD_SERVICE,
  DEPLOYMENT_GROUP,
  DEPLOYMENT_ID,
  getDeploymentOutput,
  getDeploymentTargetOutput,
  HOOK_EXECUTION_ID,
  hookEvent,
  TG_BLUE_ARN,
  TG_BLUE_NAME,
  TG_GREEN_ARN,
  TG_GREEN_NAME,
} from '../../fixtures/codedeploy-hook-events';
import {
  crashedTask,
  spotInterruptedTask,
  taskArn,
  TASK_DEFINITION_NEW,
  TASK_DEFINITION_OLD,
} from '../../fixtures/ecs-stopped-tasks';
import {
  ManualClock,
  MemoryMetrics,
  MemoryNotifier,
  MemoryProbe,
  MemoryRouter,
  MemoryStore,
  silentLogger,
} from '../../support/memory-ports';

const GATE_WATCH_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:greenlight-dev-gate-watch';
const PROBES = { url: 'http://gl-web-test.internal:8443/health', requests: 5 };
const SPECS = { [`${APPLICATION}/${DEPLOYMENT_GROUP}`]: { probes: PROBES, bakeSeconds: 600 } };
const NOW = Date.UTC(2026, 4, 1, 12);

const codeDeploy = mockClient(CodeDeployClient);
const elb = mockClient(ElasticLoadBalancingV2Client);
const sfn = mockClient(SFNClient);

beforeEach(() => {
  codeDeploy.reset();
  elb.reset();
  sfn.reset();
  codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({});
  sfn.on(StartExecutionCommand).resolves({ executionArn: `${GATE_WATCH_ARN}:x`, startDate: new Date(NOW) });
  elb.on(DescribeTargetGroupsCommand).resolves({
    TargetGroups: [
      { TargetGroupName: TG_BLUE_NAME, TargetGroupArn: TG_BLUE_ARN },
      { TargetGroupName: TG_GREEN_NAME, TargetGroupArn: TG_GREEN_ARN },
    ],
  });
});

function atStage(stage: CodeDeployEcsHook, greenWeight?: number) {
  codeDeploy.on(GetDeploymentCommand).resolves(getDeploymentOutput());
  codeDeploy.on(ListDeploymentTargetsCommand).resolves({ targetIds: [`${CD_CLUSTER}:${CD_SERVICE}`] });
  codeDeploy.on(GetDeploymentTargetCommand).resolves(getDeploymentTargetOutput(stage, greenWeight));
}

function deps(specs: unknown = SPECS): CodeDeployHookDeps {
  return {
    codeDeploy: new CodeDeployHookService({
      codeDeploy: new CodeDeployClient({ region: 'eu-west-1' }),
      elbv2: new ElasticLoadBalancingV2Client({ region: 'eu-west-1' }),
    }),
    watches: new SfnExecutions({
      client: new SFNClient({ region: 'eu-west-1' }),
      stateMachineArn: GATE_WATCH_ARN,
    }),
    specs: parseHookSpecs(JSON.stringify(specs)),
    clock: new ManualClock(NOW),
    logger: silentLogger(),
  };
}

const statusSent = () =>
  codeDeploy.commandCalls(PutLifecycleEventHookExecutionStatusCommand).map((c) => c.args[0].input);
const failedSent = [
  { deploymentId: DEPLOYMENT_ID, lifecycleEventHookExecutionId: HOOK_EXECUTION_ID, status: 'Failed' },
];
const startedDocument = (): GateWatchDocument =>
  JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!) as GateWatchDocument;

describe('the CodeDeploy lifecycle hook', () => {
  it('starts a gate watch of the test round at AfterAllowTestTraffic, with exact StartExecution input', async () => {
    atStage('AfterAllowTestTraffic');

    const result = await codeDeployHook(deps(), hookEvent());

    const name = watchExecutionName(
      { deploymentId: DEPLOYMENT_ID, lifecycleEventHookExecutionId: HOOK_EXECUTION_ID },
      'AfterAllowTestTraffic',
    );
    expect(result).toEqual({ outcome: 'watching', execution: name });
    expect(name).toMatch(/^d-A1B2C3D4E-AfterAllowTestTraffic-[0-9a-f]{24}$/);
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: GATE_WATCH_ARN,
      name,
      input: expect.any(String),
    });
    const document = startedDocument();
    expect(document).toMatchObject({
      hook: { deploymentId: DEPLOYMENT_ID, lifecycleEventHookExecutionId: HOOK_EXECUTION_ID },
      context: {
        application: APPLICATION,
        deploymentGroup: DEPLOYMENT_GROUP,
        stage: 'AfterAllowTestTraffic',
      },
      state: null,
      watch: {
        phase: 'test',
        startedAt: NOW,
        targetGroups: { blue: TG_BLUE_ARN, green: TG_GREEN_ARN },
        cluster: CD_CLUSTER,
        service: CD_SERVICE,
        newPercent: 0,
        spec: { probes: PROBES },
      },
    });
    // The status is the machine's to send.
    expect(statusSent()).toEqual([]);
  });

  it('watches the bake at AfterAllowTraffic, its deadline within CodeDeploy’s hour', async () => {
    atStage('AfterAllowTraffic');

    await codeDeployHook(deps(), hookEvent());

    const { watch } = startedDocument();
    expect(watch).toMatchObject({ phase: 'bake', holdSeconds: 600, newPercent: 100 });
    expect(watch.deadlineAt - watch.startedAt).toBeLessThanOrEqual(MAX_WATCH_SECONDS * 1000);
    expect(MAX_WATCH_SECONDS).toBeLessThan(3600);
  });

  it('runs the test round again at BeforeAllowTraffic when probes are configured, and answers Succeeded without', async () => {
    atStage('BeforeAllowTraffic');
    await codeDeployHook(deps(), hookEvent());
    expect(startedDocument().watch.phase).toBe('test');

    sfn.resetHistory();
    const result = await codeDeployHook(deps({}), hookEvent());

    expect(result).toMatchObject({ outcome: 'reported', status: 'Succeeded' });
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
  });

  it.each(['BeforeInstall', 'AfterInstall'] as const)(
    'answers Succeeded at %s without a watch',
    async (stage) => {
      atStage(stage);

      await codeDeployHook(deps(), hookEvent());

      expect(statusSent()).toEqual([{ ...failedSent[0], status: 'Succeeded' }]);
      expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
    },
  );

  describe('answers Failed, never throwing', () => {
    it.each([
      [
        'a malformed DeploymentId',
        { DeploymentId: 'nope', LifecycleEventHookExecutionId: HOOK_EXECUTION_ID },
      ],
    ])('for %s', async (_name, event) => {
      const result = await codeDeployHook(deps(), event);
      expect(result).toMatchObject({ outcome: 'reported', status: 'Failed' });
      expect(statusSent()).toEqual([{ ...failedSent[0], deploymentId: 'nope' }]);
    });

    it('for AfterAllowTestTraffic without probes (the field named)', async () => {
      atStage('AfterAllowTestTraffic');
      const result = await codeDeployHook(deps({}), hookEvent());
      expect(result).toMatchObject({
        status: 'Failed',
        reason: expect.stringContaining('.probes: required'),
      });
      expect(statusSent()).toEqual(failedSent);
    });

    it('for a bad CODEDEPLOY_HOOK_SPECS', async () => {
      atStage('AfterAllowTraffic');
      const result = await codeDeployHook(deps({ '*': { bakeSeconds: -1 } }), hookEvent());
      expect(result).toMatchObject({
        status: 'Failed',
        reason: expect.stringContaining('CODEDEPLOY_HOOK_SPECS.*.bakeSeconds'),
      });
      expect(statusSent()).toEqual(failedSent);
    });

    it('for a bake longer than CodeDeploy’s hour allows', async () => {
      atStage('AfterAllowTraffic');
      const result = await codeDeployHook(deps({ '*': { bakeSeconds: 3600 } }), hookEvent());
      expect(result).toMatchObject({
        status: 'Failed',
        reason: expect.stringContaining('bakeSeconds: 3600 s'),
      });
    });

    it('when no hook event is InProgress', async () => {
      atStage('AfterAllowTestTraffic');
      const output = getDeploymentTargetOutput('AfterAllowTestTraffic');
      for (const e of output.deploymentTarget!.ecsTarget!.lifecycleEvents!) e.status = 'Succeeded';
      codeDeploy.on(GetDeploymentTargetCommand).resolves(output);
      const result = await codeDeployHook(deps(), hookEvent());
      expect(result).toMatchObject({ status: 'Failed', reason: expect.stringContaining('lifecycleEvents') });
    });

    it('when a read fails', async () => {
      atStage('AfterAllowTestTraffic');
      codeDeploy
        .on(GetDeploymentCommand)
        .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
      await expect(codeDeployHook(deps(), hookEvent())).resolves.toMatchObject({ status: 'Failed' });
      expect(statusSent()).toEqual(failedSent);
    });

    it('when the watch cannot be started', async () => {
      atStage('AfterAllowTestTraffic');
      sfn
        .on(StartExecutionCommand)
        .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
      await expect(codeDeployHook(deps(), hookEvent())).resolves.toMatchObject({
        outcome: 'reported',
        status: 'Failed',
      });
      expect(statusSent()).toEqual(failedSent);
    });

    it('and reports "unsent" when even the status call fails', async () => {
      codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).rejects(new Error('network'));
      await expect(
        codeDeployHook(deps(), { DeploymentId: 'x', LifecycleEventHookExecutionId: 'y' }),
      ).resolves.toMatchObject({
        outcome: 'unsent',
        status: 'Failed',
      });
    });
  });

  it('never throws and never sends a status it cannot address, whatever the event (property)', async () => {
    const handler = createCodeDeployHookHandler(deps());
    await fc.assert(
      fc.asyncProperty(fc.anything(), async (event) => {
        codeDeploy.resetHistory();
        const result = await handler(event, {} as Context);
        if (result.outcome === 'unaddressed') expect(statusSent()).toEqual([]);
        else expect(['reported', 'unsent', 'watching']).toContain(result.outcome);
      }),
      { numRuns: 100 },
    );
  });

  describe('history', () => {
    it('records a hook-only deployment and its answer; the watch it starts carries where to record', async () => {
      atStage('BeforeInstall');
      const store = new MemoryStore();
      const d = { ...deps(), history: { store, notifier: new MemoryNotifier() } };

      await codeDeployHook(d, hookEvent());
      await codeDeployHook(d, hookEvent());

      const id = `codedeploy-${DEPLOYMENT_ID}`;
      expect(store.records.get(id)).toMatchObject({
        service: CD_SERVICE,
        cluster: CD_CLUSTER,
        status: 'IN_PROGRESS',
        external: { controller: 'codedeploy', deploymentId: DEPLOYMENT_ID, hookOnly: true },
      });
      expect(store.events.get(id)?.map((e) => e.message)).toEqual([
        'CodeDeploy hook BeforeInstall: passed: not judged: the replacement task set is not created yet',
      ]);
      expect(statusSent().map((i) => i.status)).toEqual(['Succeeded', 'Succeeded']);
    });

    it("writes onto Greenlight's record when the description names it", async () => {
      atStage('AfterAllowTestTraffic');
      const output = getDeploymentOutput();
      output.deploymentInfo = {
        ...output.deploymentInfo,
        description: 'Greenlight deployment rel-42: web:2',
      };
      codeDeploy.on(GetDeploymentCommand).resolves(output);
      const store = new MemoryStore();

      await codeDeployHook({ ...deps(), history: { store, notifier: new MemoryNotifier() } }, hookEvent());

      expect(startedDocument().history).toMatchObject({ record: { id: 'rel-42', greenlight: true } });
      expect(store.records.size).toBe(0);
    });

    it('sends Failed when the store fails too', async () => {
      atStage('AfterAllowTraffic', 0);
      const store = new MemoryStore();
      store.createDeployment = () => Promise.reject(new Error('AccessDenied'));

      const result = await codeDeployHook(
        { ...deps(), history: { store, notifier: new MemoryNotifier() } },
        hookEvent(),
      );

      expect(result).toMatchObject({ outcome: 'reported', status: 'Failed' });
      expect(statusSent()).toEqual(failedSent);
    });
  });

  describe("the replacement task set's task stops, read by the watch it starts", () => {
    const ecs = mockClient(ECSClient);
    const GREEN_TASK_SET = 'ecs-svc/2222222222222222222';
    const SPOT_LIMITED = {
      [`${APPLICATION}/${DEPLOYMENT_GROUP}`]: { probes: PROBES, gate: { maxInfrastructureStops: 0 } },
    };

    /** ECS answering with `tasks` as the service's stopped ones, the GREEN task set on the new revision. */
    function onEcs(tasks: ReturnType<typeof crashedTask>[]) {
      ecs.reset();
      ecs.on(DescribeTaskSetsCommand).resolves({
        taskSets: [{ id: GREEN_TASK_SET, taskDefinition: TASK_DEFINITION_NEW, externalId: DEPLOYMENT_ID }],
      });
      ecs.on(ListTasksCommand).resolves({ taskArns: tasks.map((t) => t.taskArn!) });
      ecs.on(DescribeTasksCommand).resolves({ tasks });
    }

    /** Starts the watch of AfterAllowTestTraffic, then runs its Evaluate states to a verdict. */
    async function watchTestRound(specs: unknown): Promise<EvaluatedDocument> {
      atStage('AfterAllowTestTraffic');
      const d = deps(specs);
      await codeDeployHook(d, hookEvent());
      const router = new MemoryRouter();
      router.health[TG_GREEN_ARN] = { healthy: 3, unhealthy: 0, transitioning: 0 };
      const clock = d.clock as ManualClock;
      const evaluateDeps = {
        metrics: new MemoryMetrics(),
        router,
        probe: new MemoryProbe(),
        taskStops: new EcsNewTaskStops({ client: new ECSClient({ region: 'eu-west-1' }) }),
        clock,
        logger: silentLogger(),
      };
      let document: GateWatchDocument = startedDocument();
      for (let i = 0; i < 100; i += 1) {
        const next = await gateWatchEvaluate(evaluateDeps, document);
        if (next.verdict !== 'watch') return next;
        document = next;
        clock.advance(next.watch.intervalSeconds * 1000);
      }
      throw new Error('the watch did not end');
    }

    it('fails a test round whose probes pass when a task of the GREEN task set is Spot-interrupted', async () => {
      onEcs([spotInterruptedTask(CD_CLUSTER, 1, TASK_DEFINITION_NEW, NOW + 1000)]);

      const evaluated = await watchTestRound(SPOT_LIMITED);

      expect(startedDocument().watch.newTaskSet).toBe(GREEN_TASK_SET);
      expect(evaluated.verdict).toBe('fail');
      expect(evaluated.reasons.join('; ')).toContain('stopped by the infrastructure > 0 allowed');
      // The task set's task definition, then the service's stopped tasks: exact inputs.
      expect(ecs.commandCalls(DescribeTaskSetsCommand)[0]?.args[0].input).toStrictEqual({
        cluster: CD_CLUSTER,
        service: CD_SERVICE,
        taskSets: [GREEN_TASK_SET],
      });
      expect(ecs.commandCalls(ListTasksCommand)[0]?.args[0].input).toStrictEqual({
        cluster: CD_CLUSTER,
        serviceName: CD_SERVICE,
        desiredStatus: 'STOPPED',
        maxResults: 100,
      });
      expect(ecs.commandCalls(DescribeTasksCommand)[0]?.args[0].input).toStrictEqual({
        cluster: CD_CLUSTER,
        tasks: [taskArn(CD_CLUSTER, 1)],
      });
    });

    it("passes when only the original task set's tasks stopped, having read them", async () => {
      onEcs([
        spotInterruptedTask(CD_CLUSTER, 2, TASK_DEFINITION_OLD, NOW + 1000),
        crashedTask(CD_CLUSTER, 3, TASK_DEFINITION_OLD, NOW + 2000),
      ]);

      const evaluated = await watchTestRound(SPOT_LIMITED);

      expect(evaluated.verdict).toBe('pass');
      expect(ecs).toHaveReceivedCommandWith(DescribeTaskSetsCommand, { taskSets: [GREEN_TASK_SET] });
      expect(ecs.commandCalls(DescribeTasksCommand).length).toBe(
        ecs.commandCalls(DescribeTaskSetsCommand).length,
      );
    });

    it('goes on without task stops for a watch document without the task set ID (started by an earlier version)', async () => {
      atStage('AfterAllowTestTraffic');
      await codeDeployHook(deps(), hookEvent());
      const document = startedDocument();
      const { newTaskSet: _id, ...legacy } = document.watch;
      const client = new ECSClient({ region: 'eu-west-1' });
      const send = jest.spyOn(client, 'send');
      const evaluated = await gateWatchEvaluate(
        {
          metrics: new MemoryMetrics(),
          router: new MemoryRouter(),
          probe: new MemoryProbe(),
          taskStops: new EcsNewTaskStops({ client }),
          clock: new ManualClock(NOW),
          logger: silentLogger(),
        },
        { ...document, watch: legacy },
      );
      expect(evaluated.verdict).toBe('watch');
      expect(send).not.toHaveBeenCalled();
    });

    it('faults the evaluation (the machine then reports Failed) when the task set cannot be read', async () => {
      onEcs([]);
      ecs.on(DescribeTaskSetsCommand).rejects(
        new ECSServiceException({
          name: 'AccessDeniedException',
          message: 'denied',
          $fault: 'client',
          $metadata: {},
        }),
      );

      await expect(watchTestRound(SPECS)).rejects.toThrow(EcsNewTaskStopsError);
      expect(ecs).not.toHaveReceivedCommand(ListTasksCommand);
    });
  });
});
