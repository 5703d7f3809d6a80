/**
 * What one deployment in the local rehearsal cost its users: the load generator's requests sent
 * during the deployment, attributed to the color (target group) that answered them, and the
 * detection time of a rolled-back release. Used by `greenlight demo` and `npm run bench -- blast`.
 */
import type { Color } from '../shared/domain/colors';
import type { LoadGenerator } from '../shared/local/load-generator';
import type { DeployResult, Rehearsal } from '../shared/local/rehearsal';

export interface DeploymentFigures {
  image: string;
  outcome: string;
  durationMs: number;
  requests: number;
  failedRequests: number;
  failedByColor: Record<Color, number>;
  /** Bad release: first failed request from the new color → traffic 100 % on the live color. */
  detectMs: number | null;
  stateTransitions: number;
  cause: string | null;
}

/** Target group names of the two colors, as in the spec's `slots`. */
export type ColorTargetGroups = Record<Color, { targetGroup: string }>;

function colorOfTargetGroup(tg: string, slots: ColorTargetGroups): Color | null {
  if (tg === slots.blue.targetGroup) return 'blue';
  if (tg === slots.green.targetGroup) return 'green';
  return null;
}

/**
 * Figures for requests sent in `window` (from the deployment's start to its end; wait a moment
 * after the end before calling, so the requests still in flight are answered and counted).
 */
export function deploymentFigures(
  rehearsal: Pick<Rehearsal, 'weightChanges'>,
  load: Pick<LoadGenerator, 'stats'>,
  slots: ColorTargetGroups,
  result: DeployResult,
  window: { from: number; to: number },
): DeploymentFigures {
  const stats = load.stats(window.from, window.to);
  const failedByColor: Record<Color, number> = { blue: 0, green: 0 };
  let firstNewColorFailure: number | null = null;
  const newColor = result.record?.newColor ?? null;
  for (const [tg, figures] of Object.entries(stats.byTargetGroup)) {
    const color = colorOfTargetGroup(tg, slots);
    if (color) failedByColor[color] += figures.failed;
    if (color && color === newColor && figures.firstFailureAt !== null)
      firstNewColorFailure = figures.firstFailureAt;
  }
  let detectMs: number | null = null;
  if (result.record?.status === 'ROLLED_BACK' && firstNewColorFailure !== null && newColor) {
    const restored = rehearsal.weightChanges.find(
      (c) => c.at >= firstNewColorFailure! && c.weights[newColor] === 0,
    );
    if (restored) detectMs = restored.at - firstNewColorFailure;
  }
  return {
    image: result.record?.image ?? '',
    outcome: result.record?.status ?? result.status,
    durationMs: result.durationMs,
    requests: stats.requests,
    failedRequests: stats.failed,
    failedByColor,
    detectMs,
    stateTransitions: result.stateTransitions,
    cause: result.record?.error ? `${result.record.error.error}: ${result.record.error.cause}` : null,
  };
}
