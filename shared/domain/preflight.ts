/**
 * What Prepare checks before a deployment may change anything: the spec's alarms must exist and be
 * quiet (quiet unless the request forces the start: a fix deployed while the service is already
 * alarming), and the production route must not pin clients to a color for longer than a rollback
 * waits for traffic to leave it.
 */
import type { DeploymentSpec } from './spec';

/**
 * The spec's alarms that name no CloudWatch alarm, as input issues naming each field
 * (`spec.alarms[1]`): a misspelled alarm would protect nothing, silently. Empty when all exist.
 */
export function missingAlarmsIssues(
  spec: Pick<DeploymentSpec, 'alarms'>,
  missing: readonly string[],
): { path: string; message: string }[] {
  const unknown = new Set(missing);
  return spec.alarms.flatMap((name, i) =>
    unknown.has(name)
      ? [{ path: `spec.alarms[${i}]`, message: `no CloudWatch alarm is named ${JSON.stringify(name)}` }]
      : [],
  );
}

/**
 * Why the route's target group stickiness makes the deployment unsafe, or null. ALB keeps a
 * pinned client on its target group for the whole duration (AWS documents no release when a
 * weight changes or reaches 0), so a rollback would leave clients pinned to the new color that
 * long after its weight reached 0, and then scale it down under them; and the steps' weights
 * would not describe who the new color serves. A duration within trafficSettleSeconds is
 * released before anything is scaled down.
 */
export function stickinessRefusal(
  stickiness: { enabled: boolean; durationSeconds: number | null },
  settleSeconds: number,
  route: string,
): string | null {
  if (!stickiness.enabled) return null;
  const duration = stickiness.durationSeconds;
  if (duration !== null && duration <= settleSeconds) return null;
  const pinned =
    duration === null ? 'pins clients to a target group' : `pins clients to a target group for ${duration} s`;
  return (
    `${route} ${pinned} (target group stickiness): a rollback would leave clients pinned to the new color ` +
    `after its weight reaches 0, and traffic steps would not move them; set its DurationSeconds to at most ` +
    `trafficSettleSeconds (${settleSeconds}), raise trafficSettleSeconds to cover it, or turn target group stickiness off`
  );
}

/** The alarms to find quiet before starting: the spec's, none when the request forces the start. */
export function alarmsToCheck(spec: Pick<DeploymentSpec, 'alarms'>, force: boolean): string[] {
  return force ? [] : [...spec.alarms];
}

/** Why the deployment may not start while `firing` alarms are in ALARM; null when none is. */
export function firingAlarmsRefusal(firing: readonly string[]): string | null {
  return firing.length > 0
    ? `alarms already in ALARM: ${firing.join(', ')}; resolve them first or deploy with force`
    : null;
}
