/**
 * Prepare's reads before anything changes: the spec's metrics model fits the metric source (on
 * AWS, CloudWatch's periods), every alarm the spec names exists, and the production
 * route does not pin clients to a color for longer than a rollback waits (see domain/preflight.ts).
 */
import { InvalidInputError, ServiceStateError } from '../../shared/domain/errors';
import { missingAlarmsIssues, stickinessRefusal } from '../../shared/domain/preflight';
import type { DeploymentSpec } from '../../shared/domain/spec';
import { routeOf, type DeployDeps } from './context';
import { refuseMetricsModel, type MetricsModelCheck } from './start';

/** Refuses the deployment (nothing changed yet) when the spec names a missing alarm or the route is too sticky. */
export async function checkSpecAgainstAccount(
  deps: Pick<DeployDeps, 'alarms' | 'router'> & { metricsModelIssues?: MetricsModelCheck },
  spec: DeploymentSpec,
): Promise<void> {
  // Before any call: a model the metric source cannot serve would fail at the first evaluation,
  // after the new color was launched.
  refuseMetricsModel(deps.metricsModelIssues, spec.metrics);
  // Checked even when the request forces the start: force skips the quiet check, not this one.
  if (spec.alarms.length > 0) {
    const issues = missingAlarmsIssues(spec, await deps.alarms.missing(spec.alarms));
    if (issues.length > 0) {
      throw new InvalidInputError(
        `spec names alarms that do not exist: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        issues,
      );
    }
  }
  // Another controller shifts traffic on its own listeners: Greenlight's route is not read.
  if (spec.controller !== 'greenlight') return;
  const route = routeOf(spec);
  const refusal = stickinessRefusal(
    await deps.router.stickiness(route),
    spec.trafficSettleSeconds,
    route.rule ? `listener rule ${route.rule}` : `listener ${route.listener}`,
  );
  if (refusal) throw new ServiceStateError(refusal);
}
