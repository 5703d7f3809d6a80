/**
 * Crash loops: one message per stop would bury people, so stops of one service (or task family)
 * are counted in windows. A window opens at the service's first alertable stop and lasts
 * `windowMs`; within it:
 *
 * - the first stop alerts at once, in full;
 * - the stop that brings the count to `threshold`, 10 × `threshold`, 100 × `threshold`, ... sends a
 *   digest ("web: 5 tasks stopped in 3 min, all out of memory, last exit 137");
 * - every other stop is only counted;
 * - when the next stop after the window's end opens a new window, the old one's final tally is sent
 *   as a digest if stops were counted after its last message.
 *
 * So a service stopping 37 times in 10 minutes sends 3 messages (stop 1, digest at 5, final digest
 * of 37), and every count is reported. The final tally of a window goes out with the service's
 * next stop, or, when no stop follows, from the scheduled final-tally sweeper (tally.ts).
 */
import { CATEGORY_INFO, SEVERITIES, type AlertCategory, type Severity } from './classify';

/** What the window remembers of each stop. */
export interface WindowStop {
  category: AlertCategory;
  exitCode: number | null;
  container: string | null;
}

/** A window as stored after an update. */
export interface WindowSnapshot {
  startedAt: number;
  lastAt: number;
  count: number;
  /** Stops per category. */
  categories: Partial<Record<AlertCategory, number>>;
  lastCategory: AlertCategory;
  lastExitCode: number | null;
  lastContainer: string | null;
}

/** The result of counting a stop: the window it landed in, and the window it closed (if any). */
export interface WindowCount {
  window: WindowSnapshot;
  /** The previous window when this stop opened a new one (and the previous one had not expired). */
  closed: WindowSnapshot | null;
}

export interface NotificationPlan {
  /** Send the full alert for this stop (the first of its window). */
  alert: boolean;
  /** Send a digest of the current window (a threshold was reached). */
  digest: WindowSnapshot | null;
  /** Send the final tally of the window this stop closed. */
  finalDigest: WindowSnapshot | null;
}

/** True for counts that send a digest: threshold × 10^k. */
export function isDigestCount(count: number, threshold: number): boolean {
  if (count < threshold) return false;
  let mark = threshold;
  while (mark < count) mark *= 10;
  return mark === count;
}

/** True when a window of `count` stops had stops after its last message. */
export function hasUnreportedStops(count: number, threshold: number): boolean {
  return count > 1 && !isDigestCount(count, threshold);
}

/** Which messages a counted stop sends. */
export function planNotifications(counted: WindowCount, threshold: number): NotificationPlan {
  const { window, closed } = counted;
  return {
    alert: window.count === 1,
    digest: window.count > 1 && isDigestCount(window.count, threshold) ? window : null,
    finalDigest: closed && hasUnreportedStops(closed.count, threshold) ? closed : null,
  };
}

/** Categories from most to least frequent (ties in category order). */
export function rankedCategories(window: WindowSnapshot): [AlertCategory, number][] {
  return (Object.entries(window.categories) as [AlertCategory, number][])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
}

/** A digest's severity: its worst category; a loop (threshold reached) of high-severity stops is critical. */
export function digestSeverity(window: WindowSnapshot, threshold: number): Severity {
  const worst = rankedCategories(window)
    .map(([category]) => CATEGORY_INFO[category].severity)
    .reduce<Severity>((a, b) => (SEVERITIES.indexOf(b) < SEVERITIES.indexOf(a) ? b : a), 'info');
  return worst === 'high' && window.count >= threshold ? 'critical' : worst;
}

/** "all out of memory" or "24 out of memory, 13 essential container exited, 2 other". */
export function categorySummary(window: WindowSnapshot): string {
  const ranked = rankedCategories(window);
  if (ranked.length === 1 && ranked[0]) return `all ${CATEGORY_INFO[ranked[0][0]].label}`;
  const shown = ranked.slice(0, 3).map(([category, n]) => `${n} ${CATEGORY_INFO[category].label}`);
  const others = ranked.slice(3).reduce((sum, [, n]) => sum + n, 0);
  return others > 0 ? `${shown.join(', ')}, ${others} other` : shown.join(', ');
}

/** Whole minutes the window has covered so far, at least 1. */
export function windowMinutes(window: WindowSnapshot): number {
  return Math.max(1, Math.ceil((window.lastAt - window.startedAt) / 60_000));
}

/** "web: 37 tasks stopped in 10 min, all out of memory, last exit 137". */
export function digestHeadline(name: string, window: WindowSnapshot): string {
  const tasks = window.count === 1 ? '1 task' : `${window.count} tasks`;
  const exit = window.lastExitCode === null ? '' : `, last exit ${window.lastExitCode}`;
  return `${name}: ${tasks} stopped in ${windowMinutes(window)} min, ${categorySummary(window)}${exit}`;
}
