import { DeploymentLifecycleHookStage } from '@aws-sdk/client-ecs';
import fc from 'fast-check';
import {
  ECS_LIFECYCLE_STAGES,
  isRollback,
  parseEcsHookEvent,
  stageShare,
  targetWeight,
  type EcsHookEvent,
} from '../../../../shared/domain/hooks/ecs-hook-event';
import {
  BLUE_REVISION,
  DEPLOYMENT_ARN,
  ecsHookEvent,
  flatEcsHookEvent,
  GREEN_REVISION,
  rollbackEvent,
  SERVICE_ARN,
} from '../../../fixtures/ecs-hook-events';

function parsed(raw: unknown): EcsHookEvent {
  const result = parseEcsHookEvent(raw);
  if (!result.ok) throw new Error(result.reason);
  return result.value;
}

describe('ECS_LIFECYCLE_STAGES', () => {
  it("is the ECS API's list of lifecycle hook stages (the pinned SDK's DeploymentLifecycleHookStage)", () => {
    expect([...ECS_LIFECYCLE_STAGES].sort()).toEqual(Object.values(DeploymentLifecycleHookStage).sort());
  });
});

describe('parseEcsHookEvent', () => {
  it('reads the documented event: stage, service, cluster, target revision, weights, hookDetails', () => {
    const event = parsed(
      ecsHookEvent('PRODUCTION_TRAFFIC_SHIFT', { productionGreen: 20, hookDetails: { a: 1 } }),
    );
    expect(event).toEqual({
      shape: 'nested',
      executionId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
      stage: 'PRODUCTION_TRAFFIC_SHIFT',
      resourceArn: DEPLOYMENT_ARN,
      serviceArn: SERVICE_ARN,
      cluster: 'prod',
      serviceName: 'web',
      targetRevisionArn: GREEN_REVISION,
      testWeights: {},
      productionWeights: { [BLUE_REVISION]: 80, [GREEN_REVISION]: 20 },
      hookDetails: { a: 1 },
    });
  });

  it('reads the flat shape of the lifecycle payloads page', () => {
    const event = parsed(flatEcsHookEvent('POST_TEST_TRAFFIC_SHIFT'));
    expect(event.shape).toBe('flat');
    expect(event.executionId).toBeNull();
    expect(event.stage).toBe('POST_TEST_TRAFFIC_SHIFT');
    expect(event.testWeights).toEqual({});
    expect(event.hookDetails).toEqual({});
  });

  it('treats hookDetails: null as none', () => {
    expect(parsed(ecsHookEvent('PRE_SCALE_UP', { hookDetails: null })).hookDetails).toEqual({});
  });

  it.each([
    ['null', null, '(event): expected a JSON object'],
    ['an array', [], '(event): expected a JSON object'],
    ['an empty object', {}, 'executionDetails: required'],
    [
      'an unknown stage',
      { ...ecsHookEvent('PRE_SCALE_UP'), lifecycleStage: 'AFTER_INSTALL' },
      'lifecycleStage: expected one of',
    ],
    ['an empty executionId', { ...ecsHookEvent('PRE_SCALE_UP'), executionId: '' }, 'executionId:'],
    [
      'a service name for an ARN',
      {
        ...ecsHookEvent('PRE_SCALE_UP'),
        executionDetails: { ...ecsHookEvent('PRE_SCALE_UP').executionDetails, serviceArn: 'web' },
      },
      'executionDetails.serviceArn: expected a service ARN',
    ],
    [
      'a weight above 100',
      {
        ...ecsHookEvent('PRE_SCALE_UP'),
        executionDetails: {
          ...ecsHookEvent('PRE_SCALE_UP').executionDetails,
          productionTrafficWeights: { [GREEN_REVISION]: 101 },
        },
      },
      'executionDetails.productionTrafficWeights',
    ],
    [
      'the flat shape without a stage',
      { ...flatEcsHookEvent('PRE_SCALE_UP'), lifecycleStage: undefined },
      'lifecycleStage:',
    ],
    ['hookDetails not an object', { ...ecsHookEvent('PRE_SCALE_UP'), hookDetails: 'x' }, 'hookDetails:'],
  ])('refuses %s, naming the field', (_label, raw, reason) => {
    const result = parseEcsHookEvent(raw);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain(reason);
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (raw) => {
        const result = parseEcsHookEvent(raw);
        return result.ok || result.reason.length > 0;
      }),
    );
  });
});

describe('stageShare', () => {
  it("takes the event's weights when they name the new revision", () => {
    const event = parsed(ecsHookEvent('PRODUCTION_TRAFFIC_SHIFT', { productionGreen: 30 }));
    expect(stageShare(event, 'production')).toBe(30);
    expect(targetWeight(event, 'production')).toBe(30);
    expect(stageShare(event, 'test')).toBeNull();
  });

  it("reads the stage's own meaning where the docs' payloads carry {}", () => {
    const postTest = parsed(ecsHookEvent('POST_TEST_TRAFFIC_SHIFT'));
    expect([stageShare(postTest, 'test'), stageShare(postTest, 'production')]).toEqual([100, 0]);
    const postProduction = parsed(ecsHookEvent('POST_PRODUCTION_TRAFFIC_SHIFT'));
    expect([stageShare(postProduction, 'test'), stageShare(postProduction, 'production')]).toEqual([
      null,
      100,
    ]);
    expect(stageShare(parsed(ecsHookEvent('POST_SCALE_UP')), 'production')).toBe(0);
  });
});

describe('isRollback', () => {
  it('recognises the traffic-shift stages re-invoked with the new revision at 0 %', () => {
    expect(isRollback(parsed(rollbackEvent('PRODUCTION_TRAFFIC_SHIFT')))).toBe(true);
    expect(isRollback(parsed(rollbackEvent('TEST_TRAFFIC_SHIFT')))).toBe(true);
  });

  it('is false for every forward stage, at any production share', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ECS_LIFECYCLE_STAGES),
        fc.integer({ min: 1, max: 100 }),
        (stage, share) => {
          return !isRollback(parsed(ecsHookEvent(stage, { productionGreen: share })));
        },
      ),
    );
  });

  it('is false outside the traffic-shift stages even with the new revision at 0 %', () => {
    const raw = rollbackEvent('PRODUCTION_TRAFFIC_SHIFT');
    expect(isRollback(parsed({ ...raw, lifecycleStage: 'POST_PRODUCTION_TRAFFIC_SHIFT' }))).toBe(false);
  });
});
