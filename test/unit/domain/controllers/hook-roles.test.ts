import fc from 'fast-check';
import {
  describeRefusedHookRoles,
  refusedHookRoles,
  roleNameMatches,
} from '../../../../shared/domain/controllers/hook-roles';

const ACCOUNT = 'arn:aws:iam::123456789012:role';
const OURS = [
  {
    hookTargetArn: 'arn:aws:lambda:eu-west-1:123456789012:function:greenlight-prod-ecs-hook',
    roleArn: `${ACCOUNT}/greenlight-prod-EcsHookInvokeRole`,
  },
];

describe('roleNameMatches', () => {
  it.each([
    ['team-hooks/*', `${ACCOUNT}/team-hooks/smoke`, true],
    ['team-hooks/*', `${ACCOUNT}/smoke`, false],
    ['hook-?', `${ACCOUNT}/hook-a`, true],
    ['hook-?', `${ACCOUNT}/hook-ab`, false],
    ['none', `${ACCOUNT}/team-smoke`, false],
    // IAM matches case-sensitively, and a dot is only a dot.
    ['Team.*', `${ACCOUNT}/team.x`, false],
    ['a.b', `${ACCOUNT}/aXb`, false],
    ['*', 'arn:aws:lambda:eu-west-1:123456789012:function:f', false],
  ])('%s against %s is %s', (pattern, arn, expected) => {
    expect(roleNameMatches(pattern, arn)).toBe(expected);
  });

  it('matches every role name with "*" and each name with itself', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_+=,.@/-]{1,64}$/), (name) => {
        expect(roleNameMatches('*', `${ACCOUNT}/${name}`)).toBe(true);
        expect(roleNameMatches(name, `${ACCOUNT}/${name}`)).toBe(true);
      }),
    );
  });
});

describe('refusedHookRoles', () => {
  const team = {
    hookTargetArn: 'arn:aws:lambda:eu-west-1:123456789012:function:team-smoke-test',
    roleArn: `${ACCOUNT}/team-smoke-invoke`,
  };

  it('names a kept hook whose role is outside the pattern, by its index in the service’s hooks', () => {
    expect(refusedHookRoles([OURS[0]!, team], OURS, 'none')).toEqual([
      { index: 1, hookTargetArn: team.hookTargetArn, roleArn: team.roleArn },
    ]);
  });

  it('keeps hooks whose role matches the pattern, is one of Greenlight’s, or that have no role', () => {
    const shared = {
      hookTargetArn: 'arn:aws:lambda:eu-west-1:123456789012:function:x',
      roleArn: OURS[0]!.roleArn,
    };
    const pause = { hookTargetArn: undefined, roleArn: undefined };
    expect(refusedHookRoles([team, shared, pause], OURS, 'team-*')).toEqual([]);
  });

  it('says which field, which hook and which stage parameter', () => {
    const refused = refusedHookRoles([team], OURS, 'none');
    expect(describeRefusedHookRoles('web', refused, 'none')).toBe(
      `service web has lifecycle hooks Greenlight keeps but may not pass the role of (iam:PassRole): deploymentConfiguration.lifecycleHooks[0].roleArn ${team.roleArn} (hook ${team.hookTargetArn}). The role name is outside the stage parameter ecsOtherHookRolePattern ('none'): add it to that pattern, or remove the hook from the service`,
    );
  });
});
