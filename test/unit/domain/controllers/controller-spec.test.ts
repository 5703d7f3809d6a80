import { InvalidInputError } from '../../../../shared/domain/errors';
import { SpecSchema } from '../../../../shared/domain/spec';
import { parseInput } from '../../../../shared/domain/validation';
import { parseSpec, specFor } from '../../../fixtures/spec';

const CODEDEPLOY = {
  application: 'web-app',
  deploymentGroup: 'web-prod',
  hookFunction: 'greenlight-prod-codedeploy-hook',
};
const ECS = {
  service: 'web',
  hookFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:greenlight-prod-ecs-hook',
  hookRoleArn: 'arn:aws:iam::123456789012:role/greenlight-prod-ecs-hook-invoke',
};

function messageOf(input: unknown): string {
  try {
    parseInput(SpecSchema, input, 'spec');
  } catch (error) {
    if (error instanceof InvalidInputError) return error.message;
    throw error;
  }
  throw new Error('expected the spec to be rejected');
}

describe('SpecSchema controller', () => {
  it('defaults to greenlight, the two-service path', () => {
    expect(parseSpec().controller).toBe('greenlight');
  });

  it('takes a codedeploy controller with its section and an all-at-once plan', () => {
    const spec = parseSpec({
      controller: 'codedeploy',
      codedeploy: CODEDEPLOY,
      plan: { preset: 'all-at-once' },
    });
    expect(spec.codedeploy).toEqual({ ...CODEDEPLOY, allowUnjudgedSteps: false });
  });

  it('requires the chosen controller’s section and refuses another’s', () => {
    expect(messageOf(specFor({ controller: 'ecs' }))).toContain('spec.ecs: required when controller is ecs');
    expect(messageOf(specFor({ codedeploy: CODEDEPLOY }))).toContain(
      'spec.codedeploy: only read when controller is codedeploy (controller is greenlight)',
    );
  });

  it('refuses a plan the controller cannot express, naming the field as written', () => {
    // The default canary [5, 25] is neither one canary step nor equal linear steps.
    expect(messageOf(specFor({ controller: 'ecs', ecs: ECS }))).toContain(
      'spec.plan.weights[1]: ECS can express only one canary step or equal linear steps (5, 10, … from plan.steps.0.weight): expected 10',
    );
    expect(
      messageOf(
        specFor({
          controller: 'codedeploy',
          codedeploy: { ...CODEDEPLOY, allowUnjudgedSteps: true },
          plan: { preset: 'canary', weights: [10], holdSeconds: 90 },
        }),
      ),
    ).toContain('spec.plan.holdSeconds: CodeDeploy’s canary and linear intervals are whole minutes');
  });

  it('accepts a linear preset ECS can run', () => {
    const spec = parseSpec({
      controller: 'ecs',
      ecs: ECS,
      plan: { preset: 'linear', increments: 4, holdSeconds: 90 },
    });
    expect(spec.plan.steps.map((s) => s.weight)).toEqual([25, 50, 75]);
  });

  it('names a bad hook ARN', () => {
    expect(messageOf(specFor({ controller: 'ecs', ecs: { ...ECS, hookRoleArn: 'nope' } }))).toContain(
      'spec.ecs.hookRoleArn: expected an IAM role ARN',
    );
  });
});
