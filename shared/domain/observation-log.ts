/**
 * The observations a deployment keeps: one compact point per gate evaluation (what the gate read
 * for each color, its verdict and its decision), stored on the deployment record so a report can
 * draw what the gate saw. The record is one DynamoDB item (400 KB at most), so the log is bounded:
 * once a deployment has more points than its budget allows, older points are sampled out, never
 * the ones that explain the outcome (the first, the last, every decision, every verdict change).
 * Pure: the Evaluate steps build a point and the Store keeps the list.
 */
import type { Color } from './colors';
import type { Decision } from './gate/decide';
import type { Verdict } from './gate/verdict';
import { utf8Bytes } from './limits';

/** One color's figures at an evaluation. Health and stops are read for the new color only. */
export interface ColorPoint {
  /** Requests in the gate's window (the step so far, as published). */
  requests: number;
  /** 5xx responses in that window. */
  errors: number;
  p99Ms: number | null;
  healthy?: number;
  unhealthy?: number;
  /** The new color's tasks that stopped in the stops window (any cause). */
  stops?: number;
}

/** One gate evaluation, compact. */
export interface ObservationPoint {
  at: number;
  phase: 'test' | 'step' | 'bake';
  /** The plan step's index (the bake's is the number of steps; the test phase's is -1). */
  step: number;
  /** Production weights per color when the gate judged (absent when the caller did not know them). */
  weights?: Record<Color, number>;
  /** The new color that was judged. */
  newColor: Color;
  colors: Partial<Record<Color, ColorPoint>>;
  verdict: Verdict;
  decision: Decision;
  /** Alarms in ALARM at the evaluation (at most MAX_ALARM_NAMES, each cut to MAX_NAME_LENGTH). */
  alarms?: string[];
  /** The round of probes judged with it. */
  probes?: { requests: number; failed: number };
}

/** What a log may hold: points and DynamoDB bytes (as dynamoValueBytes counts them). */
export interface ObservationLimits {
  maxPoints: number;
  maxBytes: number;
}

export const MAX_ALARM_NAMES = 5;
export const MAX_NAME_LENGTH = 255;

/** The alarm names a point keeps: a few, each cut to CloudWatch's own name limit. */
export function pointAlarms(names: readonly string[]): string[] | undefined {
  if (names.length === 0) return undefined;
  return names.slice(0, MAX_ALARM_NAMES).map((name) => name.slice(0, MAX_NAME_LENGTH));
}

/**
 * The size DynamoDB counts for a value (AWS "Item sizes and formats"), rounded up: strings by
 * their UTF-8 bytes, a number one byte per two digits plus one, a map or list 3 bytes plus one per
 * element (and a map's attribute names).
 */
export function dynamoValueBytes(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return utf8Bytes(value);
  if (typeof value === 'number') {
    const digits = String(Math.abs(value)).replace(/[^0-9]/g, '').length;
    return 1 + Math.ceil(digits / 2);
  }
  if (Array.isArray(value)) return value.reduce((sum: number, v) => sum + 1 + dynamoValueBytes(v), 3);
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .reduce((sum, [k, v]) => sum + 1 + utf8Bytes(k) + dynamoValueBytes(v), 3);
  }
  return utf8Bytes(String(value));
}

/** A whole item's size: its attributes' names and values (no map overhead at the top level). */
export function dynamoItemBytes(item: Record<string, unknown>): number {
  return Object.entries(item)
    .filter(([, v]) => v !== undefined)
    .reduce((sum, [k, v]) => sum + utf8Bytes(k) + dynamoValueBytes(v), 0);
}

/** Bytes the points take as the record's list attribute value (list overhead included). */
export function logBytes(points: readonly ObservationPoint[]): number {
  return dynamoValueBytes(points);
}

/** How much a point matters to the story; the lowest rank is sampled out first. */
const Rank = { Ordinary: 0, VerdictChange: 1, Decision: 2, First: 3, Last: 4 } as const;
type Rank = (typeof Rank)[keyof typeof Rank];

function ranks(points: readonly ObservationPoint[]): Rank[] {
  return points.map((p, i) => {
    if (i === points.length - 1) return Rank.Last;
    if (i === 0) return Rank.First;
    if (p.decision !== 'wait') return Rank.Decision;
    if (p.verdict !== points[i - 1]!.verdict) return Rank.VerdictChange;
    return Rank.Ordinary;
  });
}

/**
 * `points` (oldest first) thinned to `limits`: while over, the lowest-ranked point goes, among
 * those the one whose neighbours are closest in time (so what is left stays evenly spread; ties:
 * the oldest). Order is kept and nothing is invented. The first, the last, every decision (other
 * than wait) and every verdict change are kept whenever they fit by themselves; only when they
 * do not are verdict changes sampled, then the oldest decisions, then the first point.
 */
export function compactObservations(
  points: readonly ObservationPoint[],
  limits: ObservationLimits,
): ObservationPoint[] {
  const rank = ranks(points);
  const kept = points.map((point, i) => ({ point, rank: rank[i]!, bytes: dynamoValueBytes(point) }));
  let bytes = 3 + kept.reduce((sum, k) => sum + 1 + k.bytes, 0);
  while (kept.length > 0 && (kept.length > limits.maxPoints || bytes > limits.maxBytes)) {
    const lowest = Math.min(...kept.map((k) => k.rank));
    let victim = -1;
    let victimGap = Infinity;
    kept.forEach((k, i) => {
      if (k.rank !== lowest) return;
      // Decisions go oldest first; the others by the gap their removal leaves.
      const gap =
        lowest >= Rank.Decision
          ? i
          : (kept[i + 1]?.point.at ?? k.point.at) - (kept[i - 1]?.point.at ?? k.point.at);
      if (gap < victimGap) {
        victim = i;
        victimGap = gap;
      }
    });
    bytes -= 1 + kept[victim]!.bytes;
    kept.splice(victim, 1);
  }
  return kept.map((k) => k.point);
}

/** The log after one more evaluation: `point` appended, then compacted to `limits`. */
export function appendObservation(
  points: readonly ObservationPoint[] | undefined,
  point: ObservationPoint,
  limits: ObservationLimits,
): ObservationPoint[] {
  return compactObservations([...(points ?? []), point], limits);
}
