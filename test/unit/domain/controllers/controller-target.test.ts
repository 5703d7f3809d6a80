import { controllerTarget } from '../../../../shared/domain/controllers/controller-target';
import { InvalidInputError } from '../../../../shared/domain/errors';
import { parseSpec } from '../../../fixtures/spec';

const ECS = {
  service: 'web',
  hookFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:greenlight-prod-ecs-hook',
  hookRoleArn: 'arn:aws:iam::123456789012:role/greenlight-prod-ecs-hook-invoke',
};

describe('controllerTarget', () => {
  it('is null for Greenlight’s own deployments', () => {
    expect(controllerTarget(parseSpec())).toBeNull();
  });

  it('gives the ECS service and its mapped configuration, with the notes', () => {
    const target = controllerTarget(
      parseSpec({ controller: 'ecs', ecs: ECS, plan: { preset: 'canary', weights: [10], holdSeconds: 120 } }),
    );
    expect(target).toMatchObject({
      controller: 'ecs',
      target: {
        service: 'web',
        configuration: { strategy: 'CANARY', canaryConfiguration: { canaryPercent: 10 } },
      },
    });
    expect(target?.notes.join('\n')).toContain('gate.maxTaskStops');
  });

  it('gives the CodeDeploy section and the config name', () => {
    const target = controllerTarget(
      parseSpec({
        controller: 'codedeploy',
        codedeploy: { application: 'web-app', deploymentGroup: 'web-prod', hookFunction: 'greenlight-hook' },
        plan: { preset: 'all-at-once' },
      }),
    );
    expect(target).toMatchObject({
      controller: 'codedeploy',
      target: { application: 'web-app', plan: { deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce' } },
    });
  });

  it('refuses a spec built by hand that its controller cannot run, naming the field', () => {
    const spec = parseSpec({ controller: 'ecs', ecs: ECS, plan: { preset: 'all-at-once' } });
    const bad = {
      ...spec,
      plan: { steps: [{ weight: 5, holdSeconds: 0, gate: spec.gate, approval: true as const }] },
    };
    expect(() => controllerTarget(bad)).toThrow(InvalidInputError);
    expect(() => controllerTarget(bad)).toThrow(/^spec\.plan\.steps\.0\.approval: not expressible/);
  });
});
