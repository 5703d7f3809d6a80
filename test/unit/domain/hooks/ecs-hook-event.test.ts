import { DeploymentLifecycleHookStage } from '@aws-sdk/client-ecs';
import fc from 'fast-check';
import {
  ECS_LIFECYCLE_STAGES,
  isRollback,
  parseEcsHookEvent,
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
      testWeights: { [BLUE_REVISION]: 0, [GREEN_REVISION]: 100 },
      productionWeights: { [BLUE_REVISION]: 80, [GREEN_REVISION]: 20 },
      hookDetails: { a: 1 },
    });
  });

  it('reads the flat shape of the lifecycle payloads page', () => {
    const event = parsed(flatEcsHookEvent('POST_TEST_TRAFFIC_SHIFT'));
    expect(event.shape).toBe('flat');
    expect(event.executionId).toBeNull();
    expect(event.stage).toBe('POST_TEST_TRAFFIC_SHIFT');
    expect(targetWeight(event, 'test')).toBe(100);
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
