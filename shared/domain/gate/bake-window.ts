/**
 * The bake's latest window. The gate judges the bake on everything the new color served since
 * promotion; after minutes of good traffic, that cumulative evidence hides a release that degrades
 * late (a leak, a cache filling up): the error-limit SPRT must first climb back from far below zero.
 * So the bake is cut into consecutive windows of `bakeWindowSeconds`, and the current window is
 * judged on its own too, with a fresh SPRT. It can fail the bake, never pass it (the whole bake
 * still decides a pass). Each window's test runs at α / (number of windows the bake can have), so
 * by the union bound the windows together roll back a good release with probability at most α.
 * The windows are consecutive rather than sliding (the latest `bakeWindowSeconds` at each read):
 * a sliding window would judge each published period in several windows, and the α split over
 * disjoint windows would no longer hold. With the default bakeWindowSeconds equal to one period
 * the two are the same: the current window is the latest published period.
 */
import { type GateVerdict, type TargetHealth, type TrafficWindow, evaluateGate } from './verdict';
import type { Gate } from './gate-schema';

export interface BakeWindow {
  /** Start of the current window (epoch ms). */
  from: number;
  /** Windows the bake can have, up to its deadline: the split of the false-rollback rate. */
  windows: number;
}

/**
 * The current window of a bake whose data starts at `startedAt`, may run until `deadlineAt` and is
 * complete and published up to `until`, or null while that data is still within the first window
 * (the cumulative window is the same then). A window is current until the data reaches its end,
 * so a window that is one period long is judged once it is whole, never while empty. With
 * `windowSeconds` a whole number of the data's periods (the spec requires it), windows are made of
 * whole published periods.
 */
export function currentBakeWindow(
  startedAt: number,
  deadlineAt: number,
  until: number,
  windowSeconds: number,
): BakeWindow | null {
  const windowMs = windowSeconds * 1000;
  const index = Math.ceil((until - startedAt) / windowMs) - 1;
  if (index < 1) return null;
  return {
    from: startedAt + index * windowMs,
    windows: Math.max(1, Math.ceil((deadlineAt - startedAt) / windowMs)),
  };
}

/**
 * The current window's verdict, failures only: a failing window fails the evaluation; anything else
 * leaves the cumulative verdict in charge (and adds no reason).
 */
export function judgeBakeWindow(gate: Gate, window: BakeWindow, traffic: TrafficWindow): GateVerdict {
  const perWindow = { ...gate, falseRollbackRate: gate.falseRollbackRate / window.windows };
  // Target health is the same for both windows: the cumulative verdict judges it.
  const health: TargetHealth = { healthy: gate.minHealthyTargets, unhealthy: 0, transitioning: 0 };
  const verdict = evaluateGate(perWindow, traffic, health);
  if (verdict.verdict !== 'fail') return { verdict: 'pass', reasons: [] };
  return {
    verdict: 'fail',
    reasons: verdict.reasons.map((reason) => `latest bake window: ${reason}`),
  };
}
