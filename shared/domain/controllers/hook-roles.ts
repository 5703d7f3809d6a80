/**
 * The roles of the lifecycle hooks Greenlight's UpdateService keeps. ECS requires iam:PassRole on
 * every hook's roleArn in an UpdateService request, so a hook of another team is kept only when
 * the stack may pass its role: a role of Greenlight's own hooks, or one whose name matches the
 * stage parameter ecsOtherHookRolePattern (the same pattern the IAM grant uses). Anything else is
 * refused before the update, naming the hook, instead of an AccessDenied mid-deploy.
 */

/** A lifecycle hook as ECS describes it (DescribeServices' deploymentConfiguration.lifecycleHooks). */
export interface LifecycleHookRef {
  hookTargetArn?: string;
  roleArn?: string;
}

/** A kept hook whose role the stack may not pass, by its index in the service's lifecycleHooks. */
export interface RefusedHookRole {
  index: number;
  hookTargetArn: string | undefined;
  roleArn: string;
}

/**
 * IAM's wildcard match of a role ARN's name (with its path, as in `arn:…:role/PATTERN`): `*` any
 * run of characters, `?` one. IAM matches ARNs case-sensitively.
 */
export function roleNameMatches(pattern: string, roleArn: string): boolean {
  const at = roleArn.indexOf(':role/');
  if (at < 0) return false;
  const name = roleArn.slice(at + ':role/'.length);
  const regex = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/]/g, '\\$&')))
    .join('');
  return new RegExp(`^${regex}$`).test(name);
}

/**
 * The service's hooks (other than Greenlight's, which `ours` names by target) whose role is
 * neither one of Greenlight's hook roles nor matches `otherRolePattern`. Hooks without a role
 * (PAUSE) pass nothing.
 */
export function refusedHookRoles(
  current: readonly LifecycleHookRef[],
  ours: readonly { hookTargetArn: string; roleArn: string }[],
  otherRolePattern: string,
): RefusedHookRole[] {
  const ourTargets = new Set(ours.map((h) => h.hookTargetArn));
  const ourRoles = new Set(ours.map((h) => h.roleArn));
  return current.flatMap((hook, index) => {
    if (hook.hookTargetArn && ourTargets.has(hook.hookTargetArn)) return [];
    const roleArn = hook.roleArn;
    if (!roleArn || ourRoles.has(roleArn) || roleNameMatches(otherRolePattern, roleArn)) return [];
    return [{ index, hookTargetArn: hook.hookTargetArn, roleArn }];
  });
}

/** The refusal, naming each hook and what would let it through. */
export function describeRefusedHookRoles(
  service: string,
  refused: readonly RefusedHookRole[],
  otherRolePattern: string,
): string {
  const hooks = refused
    .map(
      (r) =>
        `deploymentConfiguration.lifecycleHooks[${r.index}].roleArn ${r.roleArn}${r.hookTargetArn ? ` (hook ${r.hookTargetArn})` : ''}`,
    )
    .join('; ');
  return `service ${service} has lifecycle hooks Greenlight keeps but may not pass the role of (iam:PassRole): ${hooks}. The role name is outside the stage parameter ecsOtherHookRolePattern ('${otherRolePattern}'): add it to that pattern, or remove the hook from the service`;
}
