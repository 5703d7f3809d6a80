/**
 * The live status view of `greenlight status ID --watch` and `greenlight deploy --wait`: a pure
 * model of a deployment at one moment (statusView: record + history → view), its renderings (a
 * frame of lines for a terminal, one line or one JSON object for a pipe) and the ANSI codes that
 * redraw a frame in place. No I/O here: bin/watch.ts polls the API and writes.
 */
import { COLORS, weightsFor, type Color, type Weights } from '../shared/domain/colors';
import type { DeploymentEvent, DeploymentRecord } from '../shared/domain/deployment';
import type { ObservationPoint } from '../shared/domain/observation-log';

/** A deployment record as the API returns it; `STARTING` before Prepare has written the record. */
export type RecordView = Omit<Partial<DeploymentRecord>, 'id' | 'status'> & {
  id: string;
  status: string;
  execution?: string;
  awaitingApproval?: boolean;
};

/** One color's traffic in the gate's latest window. */
export interface ColorFigures {
  requests: number;
  errors: number;
  /** errors / requests; null without requests. */
  errorRate: number | null;
  p99Ms: number | null;
}

/** What the gate saw and decided last. */
export interface LastVerdict {
  at: number;
  /** `pass`, `fail`, `inconclusive`, or the event's outcome (`passed`, `failed`, `promoted`). */
  verdict: string;
  /** advance, promote, rollback, wait (observations) or the event type. */
  decision: string;
  /** The first reason, as the gate wrote it. */
  reason: string | null;
  /** Where the figures come from: the deployment's observations or a verdict event. */
  source: 'observation' | 'event';
  /** The window the figures cover, when known. */
  window: { from: number; until: number } | null;
  colors: Partial<Record<Color, ColorFigures>>;
}

/** The deployment at one moment, as the view shows it. */
export interface StatusView {
  id: string;
  status: string;
  service: string | null;
  image: string | null;
  liveColor: Color | null;
  newColor: Color | null;
  step: {
    phase: 'step' | 'bake';
    /** 1-based step number (the bake: number of plan steps + 1). */
    number: number;
    of: number | null;
    weight: number;
    startedAt: number | null;
    holdSeconds: number | null;
    /** Seconds since the step started, at `now`. */
    elapsedSeconds: number | null;
    deadlineAt: number | null;
  } | null;
  weights: Weights | null;
  last: LastVerdict | null;
  awaitingApproval: boolean;
  control: { action: string; by: string } | null;
  error: string | null;
  now: number;
}

const STEP_START_EVENTS = new Set(['STEP_STARTED', 'BAKE_STARTED']);

/** The view of `record` and its `events` (oldest first) at `now`. */
export function statusView(record: RecordView, events: readonly DeploymentEvent[], now: number): StatusView {
  const weightsEvent = lastWhere(events, (e) => e.type === 'WEIGHTS_SET' && isWeights(e.data?.weights));
  return {
    id: record.id,
    status: record.status,
    service: record.service ?? null,
    image: record.image ?? null,
    liveColor: record.liveColor ?? null,
    newColor: record.newColor ?? null,
    step: record.status === 'IN_PROGRESS' ? stepProgress(record, events, now) : null,
    // The record's lastWeight is kept by every production weight change, the rollback's included
    // (which records no WEIGHTS_SET event); the last such event is the fallback.
    weights:
      record.lastWeight !== undefined && record.newColor
        ? weightsFor(record.newColor, record.lastWeight)
        : weightsEvent
          ? { ...(weightsEvent.data!.weights as Weights) }
          : null,
    last: lastObservation(record.observations, lastVerdictEvent(events)) ?? lastVerdictEvent(events),
    awaitingApproval: record.awaitingApproval === true,
    control: record.control ? { action: record.control.action, by: record.control.by } : null,
    error: record.error ? `${record.error.error}: ${record.error.cause}` : null,
    now,
  };
}

function stepProgress(
  record: RecordView,
  events: readonly DeploymentEvent[],
  now: number,
): StatusView['step'] {
  const step = record.currentStep;
  if (!step) return null;
  const steps = record.spec?.plan.steps;
  const started = lastWhere(
    events,
    (e) =>
      STEP_START_EVENTS.has(e.type) &&
      (e.type === 'BAKE_STARTED') === (step.phase === 'bake') &&
      (step.phase === 'bake' || e.data?.index === step.index),
  );
  const holdSeconds =
    typeof started?.data?.holdSeconds === 'number'
      ? started.data.holdSeconds
      : step.phase === 'bake'
        ? (record.spec?.bakeSeconds ?? null)
        : (steps?.[step.index]?.holdSeconds ?? null);
  // The deadline as next-step.ts sets it: the hold, then the gate's full timeout.
  const timeout =
    step.phase === 'bake'
      ? record.spec?.gate.stepTimeoutSeconds
      : steps?.[step.index]?.gate.stepTimeoutSeconds;
  const startedAt = started?.at ?? null;
  return {
    phase: step.phase,
    number: step.index + 1,
    of: steps ? steps.length : null,
    weight: step.weight,
    startedAt,
    holdSeconds,
    elapsedSeconds: startedAt === null ? null : Math.max(0, Math.floor((now - startedAt) / 1000)),
    deadlineAt:
      startedAt !== null && holdSeconds !== null && timeout !== undefined
        ? startedAt + (holdSeconds + timeout) * 1000
        : null,
  };
}

const GATE_EVENTS: Record<string, string> = {
  GATE_PASSED: 'advance',
  GATE_FAILED: 'rollback',
  PROMOTED_EARLY: 'promote',
  TEST_TRAFFIC_PASSED: 'advance',
  TEST_TRAFFIC_FAILED: 'rollback',
};

/** Whether `event` is a verdict of the gate (a decision other than waiting). */
export function isVerdictEvent(event: DeploymentEvent): boolean {
  return Object.hasOwn(GATE_EVENTS, event.type);
}

/** The verdict an event records: "step 2 passed: reason; reason" → its parts and figures. */
export function verdictOfEvent(event: DeploymentEvent): LastVerdict {
  const match = /^(.*?) (passed|failed|promoted): (.*)$/s.exec(event.message);
  const reasons = match?.[3]?.split('; ').filter((r) => r !== '') ?? [];
  const traffic = event.data?.traffic;
  return {
    at: event.at,
    verdict: match?.[2] ?? event.type,
    decision: GATE_EVENTS[event.type] ?? event.type,
    reason: reasons[0] ?? null,
    source: 'event',
    window: windowOf(traffic),
    colors: colorFigures(traffic),
  };
}

function lastVerdictEvent(events: readonly DeploymentEvent[]): LastVerdict | null {
  const event = lastWhere(events, isVerdictEvent);
  return event ? verdictOfEvent(event) : null;
}

/**
 * The last of the record's observations (shared/domain/observation-log.ts). A point keeps no
 * reason text, so the reason is the last verdict event's when that event is the same evaluation's.
 */
function lastObservation(
  observations: readonly ObservationPoint[] | undefined,
  event: LastVerdict | null,
): LastVerdict | null {
  const last = observations?.[observations.length - 1];
  if (!last) return null;
  return {
    at: last.at,
    verdict: last.verdict,
    decision: last.decision,
    reason: event && event.at >= last.at ? event.reason : null,
    source: 'observation',
    window: null,
    colors: colorFigures(last.colors),
  };
}

function colorFigures(perColor: unknown): Partial<Record<Color, ColorFigures>> {
  const figures: Partial<Record<Color, ColorFigures>> = {};
  if (!perColor || typeof perColor !== 'object') return figures;
  for (const color of COLORS) {
    const w = (perColor as Record<string, unknown>)[color] as Record<string, unknown> | undefined;
    if (!w || typeof w.requests !== 'number') continue;
    const errors = typeof w.errors === 'number' ? w.errors : typeof w.fiveXx === 'number' ? w.fiveXx : 0;
    const p99 = typeof w.p99Ms === 'number' ? w.p99Ms : null;
    figures[color] = {
      requests: w.requests,
      errors,
      errorRate: w.requests > 0 ? errors / w.requests : null,
      p99Ms: p99,
    };
  }
  return figures;
}

/** The window a verdict's figures cover: the widest `from`–`until` of the colors. */
function windowOf(perColor: unknown): { from: number; until: number } | null {
  if (!perColor || typeof perColor !== 'object') return null;
  const spans = COLORS.map(
    (c) => (perColor as Record<string, unknown>)[c] as Record<string, unknown> | undefined,
  )
    .filter((w) => typeof w?.from === 'number' && typeof w?.until === 'number')
    .map((w) => ({ from: w!.from as number, until: w!.until as number }));
  if (spans.length === 0) return null;
  return { from: Math.min(...spans.map((s) => s.from)), until: Math.max(...spans.map((s) => s.until)) };
}

function lastWhere<T>(items: readonly T[], test: (item: T) => boolean): T | undefined {
  for (let i = items.length - 1; i >= 0; i -= 1) if (test(items[i]!)) return items[i];
  return undefined;
}

function isWeights(value: unknown): value is Weights {
  const w = value as Weights | null;
  return typeof w?.blue === 'number' && typeof w?.green === 'number';
}

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);
const duration = (seconds: number) =>
  seconds >= 3600
    ? `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`
    : seconds >= 60
      ? `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`
      : `${seconds}s`;

/** "1200 req  0.25 % 5xx  p99 45 ms" (or "no requests"). */
export function figuresText(f: ColorFigures | undefined): string {
  if (!f) return 'no data';
  if (f.requests === 0) return '0 req';
  const rate = f.errorRate === null ? '–' : `${(f.errorRate * 100).toFixed(2)} %`;
  return `${f.requests} req  ${rate} 5xx  p99 ${f.p99Ms === null ? '–' : `${Math.round(f.p99Ms)} ms`}`;
}

function stepLabel(step: NonNullable<StatusView['step']>): string {
  return step.phase === 'bake'
    ? `bake at ${step.weight} %`
    : `step ${step.number}${step.of !== null ? `/${step.of}` : ''} at ${step.weight} %`;
}

function progressText(step: NonNullable<StatusView['step']>): string {
  const parts: string[] = [];
  if (step.elapsedSeconds !== null) {
    parts.push(
      step.holdSeconds !== null
        ? `hold ${duration(Math.min(step.elapsedSeconds, step.holdSeconds))}/${duration(step.holdSeconds)}`
        : `${duration(step.elapsedSeconds)} in`,
    );
    if (step.holdSeconds !== null && step.elapsedSeconds > step.holdSeconds) {
      parts.push(`gate +${duration(step.elapsedSeconds - step.holdSeconds)}`);
    }
  }
  if (step.deadlineAt !== null) parts.push(`deadline ${clock(step.deadlineAt)}`);
  return parts.join(', ');
}

function verdictText(last: LastVerdict): string {
  const reason = last.reason ? `: ${truncate(last.reason, 70)}` : '';
  return `${last.verdict} → ${last.decision} at ${clock(last.at)}${reason}`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The terminal frame: a few labelled lines, redrawn in place as the deployment moves. */
export function frameLines(view: StatusView): string[] {
  const lines = [`${view.id}  ${view.status}${view.service ? `  ${view.service}` : ''}`];
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(9)} ${value}`);
  if (view.image) row('image', view.image);
  if (view.liveColor && view.newColor) row('colors', `${view.liveColor} live → ${view.newColor} new`);
  if (view.step) {
    const progress = progressText(view.step);
    row('step', `${stepLabel(view.step)}${progress ? `  ${progress}` : ''}`);
  }
  if (view.weights) row('weights', `blue ${view.weights.blue} % / green ${view.weights.green} %`);
  if (view.last) {
    const window = view.last.window
      ? `  (window ${clock(view.last.window.from)}–${clock(view.last.window.until)})`
      : '';
    row('traffic', `${view.last.source === 'event' ? 'at the last verdict' : 'last evaluation'}${window}`);
    for (const color of COLORS) {
      const role = color === view.newColor ? ' (new)' : color === view.liveColor ? ' (live)' : '';
      row(`  ${color}`, `${role.padEnd(8)}${figuresText(view.last.colors[color])}`);
    }
    row('gate', verdictText(view.last));
  }
  if (view.awaitingApproval) row('approval', `awaited: greenlight approve ${view.id}`);
  if (view.control) row('control', `${view.control.action} by ${view.control.by}`);
  if (view.error) row('error', view.error);
  return lines;
}

/** One line per change, for a pipe: time, status, step, weights, figures, verdict. */
export function changeLine(view: StatusView): string {
  const parts = [clock(view.now), view.status];
  if (view.step) {
    const progress = progressText(view.step);
    parts.push(
      `${stepLabel(view.step)}${view.newColor ? ` on ${view.newColor}` : ''}${progress ? ` (${progress})` : ''}`,
    );
  }
  if (view.weights) parts.push(`blue ${view.weights.blue}/green ${view.weights.green}`);
  if (view.last) {
    for (const color of COLORS) parts.push(`${color} ${figuresText(view.last.colors[color])}`);
    parts.push(`gate ${view.last.verdict} → ${view.last.decision}`);
  }
  if (view.awaitingApproval) parts.push('needs approval');
  if (view.control) parts.push(`${view.control.action} by ${view.control.by}`);
  if (view.error) parts.push(`error ${view.error}`);
  return parts.join('  ');
}

/**
 * What makes a view a change worth a new line: everything but the clock (elapsed time and `now`
 * move at every poll; a pipe gets a line when the deployment does something, not every second).
 */
export function changeKey(view: StatusView): string {
  const { now: _now, step, ...rest } = view;
  return JSON.stringify({ ...rest, step: step && { ...step, elapsedSeconds: null } });
}

const ESC = '\u001b[';
/** Cursor up n lines, to column 1. */
const up = (n: number) => (n > 0 ? `${ESC}${n}A\r` : '\r');
const CLEAR_LINE = `${ESC}2K`;
const CLEAR_BELOW = `${ESC}0J`;

/**
 * The bytes that replace the previous frame (`previousLines` lines, cursor below it) with
 * `lines`: cursor up, each line cleared and rewritten, anything left below cleared. Lines are cut
 * to `columns` so a wrapped line never throws the next redraw's count off.
 */
export function redraw(previousLines: number, lines: readonly string[], columns = 120): string {
  const width = Math.max(20, columns - 1);
  return (
    up(previousLines) + lines.map((line) => `${CLEAR_LINE}${truncate(line, width)}\n`).join('') + CLEAR_BELOW
  );
}
