/**
 * The bake's latest window. The gate judges the bake on everything the new color served since
 * promotion; after minutes of good traffic, that cumulative evidence hides a release that degrades
 * late (a leak, a cache filling up): the error-limit SPRT must first climb back from far below zero.
 * So the bake is cut into consecutive windows of `bakeWindowSeconds`, and the current window is
 * judged on its own too, with a fresh SPRT. It can fail the bake, never pass it (the whole bake
 * still decides a pass). Each window's test runs at α / (number of windows the bake can have), so
 * by the union bound the windows together roll back a good release with probability at most α.
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
 * The current window of a bake that started at `startedAt` and may run until `deadlineAt`, or
 * null while the first window is still open (the cumulative window is the same then).
 */
export function currentBakeWindow(
  startedAt: number,
  deadlineAt: number,
  now: number,
  windowSeconds: number,
): BakeWindow | null {
  const windowMs = windowSeconds * 1000;
  const index = Math.floor((now - startedAt) / windowMs);
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
