/**
 * What Prepare checks before a deployment may change anything: the spec's alarms must be quiet,
 * unless the request forces the start (a fix deployed while the service is already alarming).
 */
import type { DeploymentSpec } from './spec';

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
