import fc from 'fast-check';
import {
  advanceWatch,
  MAX_WATCH_SECONDS,
  parseHookSpecs,
  planCodeDeployHook,
  specFor,
  stageOf,
  type CodeDeployHookTarget,
} from '../../../../shared/domain/hooks/codedeploy-hook-plan';
import {
  CODEDEPLOY_ECS_HOOKS,
  type CodeDeployEcsHook,
} from '../../../../shared/domain/hooks/codedeploy-hook-event';
import { EcsHookSpecSchema } from '../../../../shared/domain/hooks/ecs-hook-spec';

const NOW = Date.UTC(2026, 4, 1, 12);
const BLUE = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/tg-1/1';
const GREEN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/tg-2/2';
const PROBES = { url: 'http://test.internal/health', requests: 5 };

function target(
  stage: CodeDeployEcsHook,
  overrides: Partial<CodeDeployHookTarget> = {},
): CodeDeployHookTarget {
  const green = stage === 'AfterAllowTraffic' ? 100 : 0;
  return {
    deploymentId: 'd-ABCDEFGHI',
    application: 'app',
    deploymentGroup: 'dg',
    computePlatform: 'ECS',
    deploymentStatus: 'InProgress',
    serviceArn: 'arn:aws:ecs:eu-west-1:123456789012:service/prod/web',
    lifecycleEvents: [
      { name: 'Install', status: 'Succeeded' },
      { name: stage, status: 'InProgress' },
    ],
    taskSets: [
      {
        id: 'ecs-svc/1',
        label: 'BLUE',
        trafficWeight: 100 - green,
        targetGroupName: 'tg-1',
        targetGroupArn: BLUE,
      },
      {
        id: 'ecs-svc/2',
        label: 'GREEN',
        trafficWeight: green,
        targetGroupName: 'tg-2',
        targetGroupArn: GREEN,
      },
    ],
    ...overrides,
  };
}

const specs = (spec: object = { probes: PROBES }) => ({ 'app/dg': EcsHookSpecSchema.parse(spec) });

describe('CodeDeploy hook plan', () => {
  it('takes the stage from the one InProgress hook lifecycle event, whatever the others (property)', () => {
    const statuses = fc.constantFrom('Pending', 'Succeeded', 'Failed', 'Skipped', 'Unknown');
    fc.assert(
      fc.property(
        fc.constantFrom(...CODEDEPLOY_ECS_HOOKS),
        fc.array(statuses, { minLength: 8, maxLength: 8 }),
        (stage, others) => {
          const names = [
            'BeforeInstall',
            'Install',
            'AfterInstall',
            'AllowTestTraffic',
            'AfterAllowTestTraffic',
            'BeforeAllowTraffic',
            'AllowTraffic',
            'AfterAllowTraffic',
          ];
          const events = names.map((name, i) => ({
            name,
            status: name === stage ? 'InProgress' : others[i]!,
          }));
          // A non-hook event (AllowTraffic) InProgress at the same time does not confuse it.
          events[6] = {
            name: 'AllowTraffic',
            status: 'InProgress',
          };
          expect(stageOf(target(stage, { lifecycleEvents: events }))).toEqual({ ok: true, value: stage });
        },
      ),
    );
  });

  it('refuses none or several InProgress hook events', () => {
    expect(stageOf(target('AfterInstall', { lifecycleEvents: [] }))).toMatchObject({ ok: false });
    const two = [
      { name: 'AfterInstall', status: 'InProgress' },
      { name: 'AfterAllowTraffic', status: 'InProgress' },
    ];
    expect(stageOf(target('AfterInstall', { lifecycleEvents: two }))).toEqual({
      ok: false,
      reason: 'lifecycleEvents: several hook lifecycle events InProgress (AfterInstall, AfterAllowTraffic)',
    });
  });

  it('watches the test round at AfterAllowTestTraffic with the green task set’s target group', () => {
    const plan = planCodeDeployHook(target('AfterAllowTestTraffic'), specs(), NOW);
    expect(plan).toMatchObject({
      kind: 'watch',
      watch: {
        phase: 'test',
        targetGroups: { blue: BLUE, green: GREEN },
        cluster: 'prod',
        service: 'web',
        startedAt: NOW,
      },
    });
  });

  it('reads the SDK’s "Blue" / "Green" labels as well as the docs’ BLUE / GREEN', () => {
    const t = target('AfterAllowTraffic');
    const sets = t.taskSets.map((s) => ({ ...s, label: s.label === 'BLUE' ? 'Blue' : 'Green' }));
    expect(planCodeDeployHook({ ...t, taskSets: sets }, specs(), NOW)).toMatchObject({
      kind: 'watch',
      watch: { phase: 'bake', targetGroups: { blue: BLUE, green: GREEN }, newPercent: 100 },
    });
  });

  it('bounds every watch below CodeDeploy’s hour, or refuses it naming the field (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<CodeDeployEcsHook>(
          'AfterAllowTestTraffic',
          'BeforeAllowTraffic',
          'AfterAllowTraffic',
        ),
        fc.integer({ min: 1, max: 86_400 }),
        fc.integer({ min: 1, max: 86_400 }),
        (stage, hold, bake) => {
          const spec = {
            probes: PROBES,
            bakeSeconds: bake,
            testTraffic: { holdSeconds: Math.min(hold, 3600) },
          };
          const parsed = EcsHookSpecSchema.safeParse(spec);
          fc.pre(parsed.success);
          const plan = planCodeDeployHook(target(stage), { '*': parsed.data! }, NOW);
          if (plan.kind === 'watch') {
            expect(plan.watch.deadlineAt - plan.watch.startedAt).toBeLessThanOrEqual(
              MAX_WATCH_SECONDS * 1000,
            );
            expect(plan.watch.deadlineAt - plan.watch.startedAt).toBeGreaterThanOrEqual(
              plan.watch.holdSeconds * 1000,
            );
          } else {
            expect(plan).toMatchObject({
              kind: 'fail',
              reason: expect.stringMatching(/^(bakeSeconds|testTraffic\.holdSeconds): /),
            });
          }
        },
      ),
    );
  });

  it.each([
    ['a Lambda deployment', { computePlatform: 'Lambda' }, /computePlatform: Lambda/],
    ['one task set', { taskSets: [] }, /BLUE and a GREEN/],
    ['no ECS service ARN', { serviceArn: null }, /ecsTarget.targetArn/],
  ])('fails %s, naming the field', (_name, overrides, reason) => {
    expect(planCodeDeployHook(target('AfterAllowTestTraffic', overrides), specs(), NOW)).toMatchObject({
      kind: 'fail',
      reason: expect.stringMatching(reason),
    });
  });

  it('fails a watch whose GREEN task set has no ID (its task stops could not be read), and carries the ID', () => {
    const t = target('AfterAllowTraffic');
    expect(planCodeDeployHook(t, specs(), NOW)).toMatchObject({
      kind: 'watch',
      watch: { newTaskSet: 'ecs-svc/2' },
    });
    t.taskSets[1]!.id = null;
    expect(planCodeDeployHook(t, specs(), NOW)).toMatchObject({
      kind: 'fail',
      reason: 'ecsTarget.taskSetsInfo: the GREEN task set has no identifer (its task stops cannot be read)',
    });
  });

  it('fails a bake with no production traffic on green', () => {
    const t = target('AfterAllowTraffic');
    t.taskSets[1]!.trafficWeight = 0;
    expect(planCodeDeployHook(t, specs(), NOW)).toMatchObject({
      kind: 'fail',
      reason: expect.stringMatching(/no production traffic/),
    });
  });

  it('finds a deployment group’s spec, else `*`, else every default', () => {
    const own = EcsHookSpecSchema.parse({ bakeSeconds: 10 });
    const any = EcsHookSpecSchema.parse({ bakeSeconds: 20 });
    expect(specFor({ 'app/dg': own, '*': any }, 'app', 'dg')).toBe(own);
    expect(specFor({ 'app/dg': own, '*': any }, 'app', 'other')).toBe(any);
    expect(specFor({}, 'app', 'dg')).toEqual(EcsHookSpecSchema.parse({}));
  });

  it('parses CODEDEPLOY_HOOK_SPECS, naming the key and field of a bad one', () => {
    expect(parseHookSpecs(undefined)).toEqual({ ok: true, value: {} });
    expect(parseHookSpecs('{')).toEqual({ ok: false, reason: 'CODEDEPLOY_HOOK_SPECS: not JSON' });
    expect(parseHookSpecs('{"app/dg":{"gate":{"nope":1}}}')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^CODEDEPLOY_HOOK_SPECS\.app\/dg\.gate/),
    });
  });

  describe('advanceWatch', () => {
    const plan = planCodeDeployHook(target('AfterAllowTraffic'), specs(), NOW);
    if (plan.kind !== 'watch') throw new Error('expected a watch');
    const outcome = { reasons: ['r'], consecutiveFailures: 0, at: NOW, stopsSince: NOW };
    it.each([
      ['advance', 'pass'],
      ['promote', 'pass'],
      ['rollback', 'fail'],
      ['wait', 'watch'],
    ] as const)('reads %s as %s', (decision, verdict) => {
      expect(advanceWatch(plan.watch, null, { ...outcome, decision }, NOW).verdict).toBe(verdict);
    });
    it('fails a watch still undecided at its deadline, and counts evaluations', () => {
      const first = advanceWatch(plan.watch, null, { ...outcome, decision: 'wait' }, NOW);
      const late = advanceWatch(
        plan.watch,
        first.state,
        { ...outcome, decision: 'wait' },
        plan.watch.deadlineAt,
      );
      expect(first.state.evaluations).toBe(1);
      expect(late).toMatchObject({ verdict: 'fail', state: { evaluations: 2 } });
      expect(late.reasons.at(-1)).toMatch(/deadline passed/);
    });
  });
});
