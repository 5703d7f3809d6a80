import fc from 'fast-check';
import {
  codeDeployPlan,
  CODEDEPLOY_ALL_AT_ONCE,
} from '../../../../shared/domain/controllers/codedeploy-plan';
import { ecsDeploymentConfiguration } from '../../../../shared/domain/controllers/ecs-plan';
import type { ControllerPlanInput } from '../../../../shared/domain/controllers/plan-shape';
import { GateSchema, type Gate } from '../../../../shared/domain/gate';
import { DEFAULT_METRICS_MODEL } from '../../../../shared/domain/gate/published-data';
import { EcsHookSpecSchema } from '../../../../shared/domain/hooks/ecs-hook-spec';
import type { PlanStep } from '../../../../shared/domain/plan-schema';

const GATE: Gate = GateSchema.parse({});
const HOOK = {
  hookFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:greenlight-prod-ecs-hook',
  hookRoleArn: 'arn:aws:iam::123456789012:role/greenlight-prod-ecs-hook-invoke',
  hookTimeoutMinutes: 1440,
};

function input(steps: PlanStep[], extra: Partial<ControllerPlanInput> = {}): ControllerPlanInput {
  return {
    plan: { steps },
    gate: GATE,
    bakeSeconds: 300,
    bakeWindowSeconds: 60,
    metrics: DEFAULT_METRICS_MODEL,
    alarms: [],
    ...extra,
  };
}
const step = (weight: number, holdSeconds: number, more: Partial<PlanStep> = {}): PlanStep => ({
  weight,
  holdSeconds,
  gate: GATE,
  ...more,
});
const linear = (percent: number, holdSeconds: number) =>
  Array.from({ length: Math.ceil(100 / percent) - 1 }, (_, i) => step((i + 1) * percent, holdSeconds));

/** The production shifts (weight, seconds held) a CodeDeploy config makes before 100 %. */
function codeDeployShifts(name: string, routing?: ReturnType<typeof mappedCodeDeploy>['trafficRouting']) {
  const predefined: Record<string, { type: string; percent: number; minutes: number }> = {
    'CodeDeployDefault.ECSCanary10Percent5Minutes': { type: 'canary', percent: 10, minutes: 5 },
    'CodeDeployDefault.ECSCanary10Percent15Minutes': { type: 'canary', percent: 10, minutes: 15 },
    'CodeDeployDefault.ECSLinear10PercentEvery1Minutes': { type: 'linear', percent: 10, minutes: 1 },
    'CodeDeployDefault.ECSLinear10PercentEvery3Minutes': { type: 'linear', percent: 10, minutes: 3 },
  };
  let shape = predefined[name];
  if (routing?.type === 'TimeBasedCanary') {
    shape = {
      type: 'canary',
      percent: routing.timeBasedCanary.canaryPercentage,
      minutes: routing.timeBasedCanary.canaryInterval,
    };
  }
  if (routing?.type === 'TimeBasedLinear') {
    shape = {
      type: 'linear',
      percent: routing.timeBasedLinear.linearPercentage,
      minutes: routing.timeBasedLinear.linearInterval,
    };
  }
  if (name === CODEDEPLOY_ALL_AT_ONCE) return [];
  if (!shape) throw new Error(`unknown config ${name}`);
  const count = shape.type === 'canary' ? 1 : Math.ceil(100 / shape.percent) - 1;
  return Array.from({ length: count }, (_, i) => ({
    weight: (i + 1) * shape.percent,
    holdSeconds: shape.minutes * 60,
  }));
}
function mappedCodeDeploy(steps: PlanStep[]) {
  const mapped = codeDeployPlan(input(steps), { allowUnjudgedSteps: true });
  if (!mapped.ok) throw new Error(JSON.stringify(mapped.issues));
  return mapped.value;
}

describe('codeDeployPlan', () => {
  it('maps no step to ECSAllAtOnce with the bake judged at AfterAllowTraffic', () => {
    const mapped = codeDeployPlan(input([]), { allowUnjudgedSteps: false });
    expect(mapped).toMatchObject({
      ok: true,
      value: { deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce', hooks: ['AfterAllowTraffic'] },
    });
  });

  it('names the predefined canary and linear configs', () => {
    expect(mappedCodeDeploy([step(10, 300)]).deploymentConfigName).toBe(
      'CodeDeployDefault.ECSCanary10Percent5Minutes',
    );
    expect(mappedCodeDeploy([step(10, 900)]).deploymentConfigName).toBe(
      'CodeDeployDefault.ECSCanary10Percent15Minutes',
    );
    expect(mappedCodeDeploy(linear(10, 60))).toEqual({
      deploymentConfigName: 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes',
      hooks: ['AfterAllowTraffic'],
    });
    expect(mappedCodeDeploy(linear(10, 180)).deploymentConfigName).toBe(
      'CodeDeployDefault.ECSLinear10PercentEvery3Minutes',
    );
  });

  it('builds a custom TimeBasedCanary / TimeBasedLinear config named by its routing', () => {
    expect(mappedCodeDeploy([step(5, 120)])).toEqual({
      deploymentConfigName: 'Greenlight.ECSCanary5Percent2Minutes',
      trafficRouting: {
        type: 'TimeBasedCanary',
        timeBasedCanary: { canaryPercentage: 5, canaryInterval: 2 },
      },
      hooks: ['AfterAllowTraffic'],
    });
    expect(mappedCodeDeploy(linear(25, 600))).toEqual({
      deploymentConfigName: 'Greenlight.ECSLinear25PercentEvery10Minutes',
      trafficRouting: {
        type: 'TimeBasedLinear',
        timeBasedLinear: { linearPercentage: 25, linearInterval: 10 },
      },
      hooks: ['AfterAllowTraffic'],
    });
  });

  it('refuses a stepped plan unless unjudged steps are accepted', () => {
    const mapped = codeDeployPlan(input([step(10, 300)]), { allowUnjudgedSteps: false });
    expect(mapped.ok).toBe(false);
    if (!mapped.ok) expect(mapped.issues.map((i) => i.path.join('.'))).toEqual(['plan.steps']);
  });

  it('refuses uneven steps, holds that are not whole minutes, approvals, step gates and alarms, naming each field', () => {
    const mapped = codeDeployPlan(
      input(
        [
          step(5, 90),
          step(25, 60, { approval: true }),
          step(50, 60, { gate: { ...GATE, maxErrorRate: 0.05 } }),
        ],
        {
          alarms: ['web-5xx'],
        },
      ),
      { allowUnjudgedSteps: true },
    );
    expect(mapped.ok).toBe(false);
    if (mapped.ok) return;
    const paths = mapped.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(
      expect.arrayContaining([
        'plan.steps.0.holdSeconds',
        'plan.steps.1.weight',
        'plan.steps.1.approval',
        'plan.steps.2.gate',
        'plan.steps.2.weight',
        'alarms',
      ]),
    );
    expect(mapped.issues.find((i) => i.path.join('.') === 'plan.steps.1.weight')?.message).toMatch(
      /^CodeDeploy can express only one canary step or equal linear steps .*expected 10$/,
    );
  });

  it('refuses a linear percentage that does not divide 100 and a bake beyond the one-hour hook', () => {
    const mapped = codeDeployPlan(input(linear(30, 60), { bakeSeconds: 3000 }), { allowUnjudgedSteps: true });
    expect(mapped.ok).toBe(false);
    if (!mapped.ok)
      expect(mapped.issues.map((i) => i.path.join('.'))).toEqual(['plan.steps.0.weight', 'bakeSeconds']);
  });

  it('registers AfterAllowTestTraffic when the spec has test traffic', () => {
    const test = {
      listener: 'l',
      holdSeconds: 60,
      intervalSeconds: 10,
      consecutiveFailures: 2,
      timeoutSeconds: 300,
    };
    const mapped = codeDeployPlan(input([], { testTraffic: test }), { allowUnjudgedSteps: false });
    expect(mapped.ok && mapped.value.hooks).toEqual(['AfterAllowTestTraffic', 'AfterAllowTraffic']);
  });
});

describe('ecsDeploymentConfiguration', () => {
  it('maps no step to BLUE_GREEN with the hook judging the bake', () => {
    const mapped = ecsDeploymentConfiguration(input([]), HOOK);
    expect(mapped.ok && mapped.value).toEqual({
      strategy: 'BLUE_GREEN',
      bakeTimeInMinutes: 0,
      lifecycleHooks: [
        {
          targetType: 'AWS_LAMBDA',
          hookTargetArn: HOOK.hookFunctionArn,
          roleArn: HOOK.hookRoleArn,
          lifecycleStages: ['POST_PRODUCTION_TRAFFIC_SHIFT'],
          hookDetails: {
            greenlight: {
              gate: GATE,
              metrics: DEFAULT_METRICS_MODEL,
              stepHoldSeconds: 0,
              bakeSeconds: 300,
              bakeWindowSeconds: 60,
            },
          },
          timeoutConfiguration: { timeoutInMinutes: 1440, action: 'ROLLBACK' },
        },
      ],
    });
  });

  it('maps one step to CANARY and equal steps to LINEAR, holds (in seconds) carried by the hook', () => {
    const canary = ecsDeploymentConfiguration(input([step(7, 45)]), HOOK);
    expect(canary.ok && canary.value).toMatchObject({
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 7, canaryBakeTimeInMinutes: 0 },
      lifecycleHooks: [
        {
          lifecycleStages: ['PRODUCTION_TRAFFIC_SHIFT', 'POST_PRODUCTION_TRAFFIC_SHIFT'],
          hookDetails: { greenlight: { stepHoldSeconds: 45 } },
        },
      ],
    });
    const lin = ecsDeploymentConfiguration(input(linear(30, 120), { alarms: ['web-5xx'] }), HOOK);
    expect(lin.ok && lin.value).toMatchObject({
      strategy: 'LINEAR',
      linearConfiguration: { stepPercent: 30, stepBakeTimeInMinutes: 0 },
      alarms: { alarmNames: ['web-5xx'], enable: true, rollback: true },
    });
  });

  it('refuses a linear plan that stops before ECS’s last step below 100 %', () => {
    const mapped = ecsDeploymentConfiguration(input([step(20, 60), step(40, 60)]), HOOK);
    expect(!mapped.ok && mapped.issues).toEqual([
      {
        path: ['plan', 'steps'],
        message: 'ECS linear at 20 % shifts to 20, 40, 60, 80, then 100 %: the plan has 2 of those 4 steps',
      },
    ]);
  });

  it('refuses steps below 3 %, uneven holds and approvals', () => {
    const mapped = ecsDeploymentConfiguration(input([step(2, 60), step(4, 30, { approval: true })]), HOOK);
    expect(mapped.ok).toBe(false);
    if (!mapped.ok) {
      expect(mapped.issues.map((i) => i.path.join('.'))).toEqual(
        expect.arrayContaining(['plan.steps.0.weight', 'plan.steps.1.holdSeconds', 'plan.steps.1.approval']),
      );
    }
  });

  it('refuses a hook timeout shorter than the longest watch', () => {
    const mapped = ecsDeploymentConfiguration(input([]), { ...HOOK, hookTimeoutMinutes: 10 });
    expect(!mapped.ok && mapped.issues.map((i) => i.path.join('.'))).toEqual(['ecs.hookTimeoutMinutes']);
  });
});

describe('every plan maps exactly or is refused naming a field', () => {
  const gateArb = fc.oneof(fc.constant(GATE), fc.constant({ ...GATE, maxErrorRate: 0.05 }));
  const stepArb = fc.record({
    weight: fc.integer({ min: 1, max: 99 }),
    holdSeconds: fc.oneof(
      fc.integer({ min: 0, max: 3600 }),
      fc.integer({ min: 1, max: 30 }).map((m) => m * 60),
    ),
    gate: gateArb,
    approval: fc.option(fc.constant(true as const), { nil: undefined }),
  });
  const regular = fc
    .tuple(
      fc.integer({ min: 1, max: 99 }),
      fc.integer({ min: 0, max: 20 }).map((m) => m * 60),
    )
    .map(([p, hold]) => linear(p, hold));
  const plans: fc.Arbitrary<PlanStep[]> = fc.oneof<fc.Arbitrary<PlanStep[]>[]>(
    fc.array(stepArb, { maxLength: 8 }).map((steps) =>
      steps.map((s) => {
        const { approval, ...rest } = s;
        return approval ? { ...rest, approval } : rest;
      }),
    ),
    regular,
    regular.map((steps) => steps.slice(0, 1)),
  );
  const knownFields =
    /^(plan\.steps(\.\d+\.(weight|holdSeconds|gate|approval))?|alarms|bakeSeconds|testTraffic\.timeoutSeconds|ecs\.hookTimeoutMinutes|probes)$/;

  it('CodeDeploy: the config shifts exactly the plan’s weights for exactly its holds', () => {
    fc.assert(
      fc.property(plans, (steps) => {
        const mapped = codeDeployPlan(input(steps), { allowUnjudgedSteps: true });
        if (!mapped.ok) {
          expect(mapped.issues.length).toBeGreaterThan(0);
          for (const issue of mapped.issues) expect(issue.path.join('.')).toMatch(knownFields);
          return;
        }
        expect(codeDeployShifts(mapped.value.deploymentConfigName, mapped.value.trafficRouting)).toEqual(
          steps.map((s) => ({ weight: s.weight, holdSeconds: s.holdSeconds })),
        );
        expect(steps.some((s) => s.approval)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('ECS: the strategy shifts exactly the plan’s weights, each held by the hook for its hold', () => {
    fc.assert(
      fc.property(plans, (steps) => {
        const mapped = ecsDeploymentConfiguration(input(steps), HOOK);
        if (!mapped.ok) {
          expect(mapped.issues.length).toBeGreaterThan(0);
          for (const issue of mapped.issues) expect(issue.path.join('.')).toMatch(knownFields);
          return;
        }
        const config = mapped.value;
        const hook = config.lifecycleHooks[0]!;
        const spec = EcsHookSpecSchema.parse(hook.hookDetails.greenlight);
        const shifts =
          config.strategy === 'BLUE_GREEN'
            ? []
            : config.strategy === 'CANARY'
              ? [config.canaryConfiguration!.canaryPercent]
              : Array.from(
                  { length: Math.ceil(100 / config.linearConfiguration!.stepPercent) - 1 },
                  (_, i) => (i + 1) * config.linearConfiguration!.stepPercent,
                );
        expect(shifts.map((weight) => ({ weight, holdSeconds: spec.stepHoldSeconds }))).toEqual(
          steps.map((s) => ({ weight: s.weight, holdSeconds: s.holdSeconds })),
        );
        expect(spec.gate).toEqual(GATE);
        for (const s of steps) expect(s.gate).toEqual(GATE);
        expect(steps.some((s) => s.approval)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});

describe('the ECS hook’s limits', () => {
  it('are the hook’s own', async () => {
    const watch = await import('../../../../shared/domain/hooks/ecs-hook-watch');
    const plan = await import('../../../../shared/domain/controllers/ecs-plan');
    expect(plan.HOOK_DETAILS_LIMIT_CHARS).toBe(watch.MAX_HOOK_DETAILS_CHARS);
    expect(plan.HOOK_WATCH_STATE_LIMIT_CHARS).toBe(watch.MAX_WATCH_STATE_CHARS);
  });

  it('refuse hookDetails over the hook’s limit', () => {
    // Larger than any valid probes config today (the check guards fields added later, e.g. queries).
    const probes = {
      url: 'http://internal-web-test.example:8443/health',
      headers: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`x-h${i}`, 'v'.repeat(400)])),
    };
    const mapped = ecsDeploymentConfiguration(
      input([], { probes } as unknown as Partial<ControllerPlanInput>),
      HOOK,
    );
    expect(!mapped.ok && mapped.issues.map((i) => i.path.join('.'))).toEqual(['probes']);
  });
});
