/**
 * Application Auto Scaling held still for a deployment: Prepare saves each color's scalable
 * target and suspends it; the end of the deployment (Retire, Finish, Rollback, a repair) holds the
 * color no longer serving at 0 and gives the color left live the service's configuration back.
 * The rules are in shared/domain/scaling.ts; these helpers only make the calls.
 */
import { COLORS, type Color } from '../../shared/domain/colors';
import {
  describeScaling,
  scalingAtEnd,
  scalingDuringDeployment,
  type DeploymentCounts,
  type DeploymentScaling,
} from '../../shared/domain/scaling';
import type { DeploymentSpec } from '../../shared/domain/spec';
import { slotOf, type DeployDeps } from './context';

type Deps = Pick<DeployDeps, 'scaling'>;

/** Each color's scalable target as it is now. */
export async function readScaling(deps: Deps, spec: DeploymentSpec): Promise<DeploymentScaling> {
  return {
    blue: await deps.scaling.read(slotOf(spec, 'blue')),
    green: await deps.scaling.read(slotOf(spec, 'green')),
  };
}

/** Suspends both colors' scalable targets for the deployment, bounds widened to its counts. */
export async function suspendScaling(
  deps: Deps,
  spec: DeploymentSpec,
  saved: DeploymentScaling,
  liveColor: Color,
  counts: DeploymentCounts,
): Promise<void> {
  const during = scalingDuringDeployment(saved, liveColor, counts);
  for (const color of COLORS) {
    const config = during[color];
    if (config) await deps.scaling.suspend(slotOf(spec, color), config);
  }
}

/** Writes every saved target back as it was (Prepare undoing its own suspension). */
export async function restoreSaved(
  deps: Deps,
  spec: DeploymentSpec,
  saved: DeploymentScaling,
): Promise<void> {
  for (const color of COLORS) {
    const config = saved[color];
    if (config) await deps.scaling.restore(slotOf(spec, color), config);
  }
}

/** Holds `color` at 0 if its service has a scalable target; before it is scaled to 0, so nothing raises it again. */
export async function holdAtZero(
  deps: Deps,
  spec: DeploymentSpec,
  saved: DeploymentScaling | undefined,
  color: Color,
): Promise<boolean> {
  if (!saved?.[color]) return false;
  await deps.scaling.holdAtZero(slotOf(spec, color));
  return true;
}

/**
 * Gives the color left live (`finalLive`) the service's configuration: the one `startLive` had
 * when the deployment began. Returns what was written, or null when there was nothing to write.
 */
export async function restoreLive(
  deps: Deps,
  spec: DeploymentSpec,
  saved: DeploymentScaling | undefined,
  startLive: Color,
  finalLive: Color,
): Promise<string | null> {
  if (!saved) return null;
  const { restore } = scalingAtEnd(saved, startLive, finalLive);
  if (!restore) return null;
  await deps.scaling.restore(slotOf(spec, finalLive), restore);
  return describeScaling(restore);
}
