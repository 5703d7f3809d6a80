import fc from 'fast-check';
import {
  codeDeployExplainer,
  ecsExplainer,
  explainHookEvent,
  wouldFail,
} from '../../../shared/domain/hooks/explain';
import { parseCodeDeployHookEvent } from '../../../shared/domain/hooks/codedeploy-hook-event';
import { WATCH_KEY } from '../../../shared/domain/hooks/ecs-hook-watch';
import {
  DEPLOYMENT_ARN,
  ecsHookEvent,
  flatEcsHookEvent,
  rollbackEvent,
  SERVICE_ARN,
} from '../../fixtures/ecs-hook-events';

const CODEDEPLOY_EVENT = {
  DeploymentId: 'd-EXAMPLE12',
  LifecycleEventHookExecutionId:
    'eyJlbmNyeXB0ZWREYXRhIjoiY3lLT1Z2N2Z3ZHZtd1FxYzBPVnVJYkNSbTNZTkF4WjRvdlRHWFhCTk0yN2lrYkpFQjB2dmRKSGNFdnJvRDdxZ2I3M2xiZUVSaEh2ZDV1RE9yN1NqcVhJZz09IiwiaXZQYXJhbWV0ZXJTcGVjIjoiT2hPcTJ1S2JNcjJtaW9WNiIsIm1hdGVyaWFsU2V0U2VyaWFsIjoxfQ==',
};

describe('explainHookEvent', () => {
  it('reads an ECS event: stage, service, deployment, not a rollback', () => {
    expect(explainHookEvent(ecsHookEvent('PRODUCTION_TRAFFIC_SHIFT', { productionGreen: 10 }))).toEqual({
      kind: 'ecs',
      stage: 'PRODUCTION_TRAFFIC_SHIFT',
      service: SERVICE_ARN,
      deployment: DEPLOYMENT_ARN,
      rollback: false,
    });
  });

  it('says rollback for a re-invocation with reversed weights', () => {
    expect(explainHookEvent(rollbackEvent('PRODUCTION_TRAFFIC_SHIFT'))).toMatchObject({
      kind: 'ecs',
      rollback: true,
    });
  });

  it('reads the flat ECS shape, which names no deployment', () => {
    expect(explainHookEvent(flatEcsHookEvent('PRE_SCALE_UP'))).toMatchObject({
      kind: 'ecs',
      stage: 'PRE_SCALE_UP',
      deployment: null,
    });
  });

  it('says why the ECS hook would answer FAILED: a corrupt state, a missing probe config', () => {
    expect(
      explainHookEvent(
        ecsHookEvent('PRODUCTION_TRAFFIC_SHIFT', { productionGreen: 10, hookDetails: { [WATCH_KEY]: [] } }),
      ),
    ).toEqual({
      kind: 'ecs',
      wouldFail: true,
      reason: 'hookDetails.greenlightWatch: corrupt (Invalid input: expected object, received array)',
    });
    expect(explainHookEvent(ecsHookEvent('POST_TEST_TRAFFIC_SHIFT'))).toMatchObject({
      kind: 'ecs',
      wouldFail: true,
      reason: expect.stringContaining('hookDetails.greenlight.probes: required'),
    });
  });

  it('reads a CodeDeploy event: its deployment, the stage only when given', () => {
    expect(explainHookEvent(CODEDEPLOY_EVENT)).toEqual({
      kind: 'codedeploy',
      stage: null,
      service: null,
      deployment: 'd-EXAMPLE12',
      rollback: false,
    });
    expect(explainHookEvent(CODEDEPLOY_EVENT, { stage: 'AfterAllowTestTraffic' })).toMatchObject({
      stage: 'AfterAllowTestTraffic',
    });
    expect(explainHookEvent(CODEDEPLOY_EVENT, { stage: 'POST_TEST_TRAFFIC_SHIFT' })).toMatchObject({
      kind: 'codedeploy',
      wouldFail: true,
      reason: expect.stringContaining('stage: expected one of BeforeInstall'),
    });
  });

  it.each([
    ['no execution id', { DeploymentId: 'd-EXAMPLE12' }, 'LifecycleEventHookExecutionId:'],
    [
      'a bad deployment id',
      { ...CODEDEPLOY_EVENT, DeploymentId: 'deploy-1' },
      'DeploymentId: expected a CodeDeploy deployment id',
    ],
  ])('refuses a CodeDeploy event with %s, naming the field', (_label, raw, reason) => {
    expect(explainHookEvent(raw)).toMatchObject({
      kind: 'codedeploy',
      wouldFail: true,
      reason: expect.stringContaining(reason),
    });
  });

  it('refuses what is no hook event at all', () => {
    expect(explainHookEvent({ hello: 'world' })).toMatchObject({ kind: null, wouldFail: true });
    expect(explainHookEvent(42)).toMatchObject({ kind: null, wouldFail: true });
  });

  it("agrees with the handlers' parsers on every input, and never throws", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.record({ DeploymentId: fc.string(), LifecycleEventHookExecutionId: fc.string() }),
          fc.constantFrom(
            ecsHookEvent('PRE_SCALE_UP'),
            CODEDEPLOY_EVENT,
            rollbackEvent('TEST_TRAFFIC_SHIFT'),
          ),
        ),
        (raw) => {
          const e = explainHookEvent(raw);
          if (codeDeployExplainer.claims(raw)) return wouldFail(e) === !parseCodeDeployHookEvent(raw).ok;
          if (ecsExplainer.claims(raw)) return e.kind === 'ecs';
          return wouldFail(e) && e.kind === null;
        },
      ),
    );
  });
});
