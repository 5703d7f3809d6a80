/**
 * What a deployment report shows, worked out from the record (with its observation log) and the
 * history: the weight on each color over time, the gate's verdicts, each color's 5xx rate and p99
 * as the gate read them, the step boundaries and the promotion and rollback moments. Pure: times
 * are seconds since the deployment started, so every chart shares one axis.
 */
import { COLORS, type Color } from '../domain/colors';
import type { DeploymentEvent, DeploymentRecord } from '../domain/deployment';
import type { ObservationPoint } from '../domain/observation-log';

/** A color's weight from `t` (s) until the next row of the same color. */
export interface WeightRow {
  t: number;
  color: Color;
  weight: number;
}

/** One color's figures at an evaluation. */
export interface ColorRow {
  t: number;
  color: Color;
  /** 5xx share of the requests in the gate's window, in percent; null without requests. */
  errorRate: number | null;
  requests: number;
  errors: number;
  p99Ms: number | null;
}

export interface VerdictRow {
  t: number;
  verdict: ObservationPoint['verdict'];
  decision: ObservationPoint['decision'];
  phase: ObservationPoint['phase'];
}

/** A moment drawn across every chart: a step boundary or the promotion / rollback. */
export interface Marker {
  t: number;
  kind: 'step' | 'promotion' | 'rollback';
  label: string;
  /** The event's time (epoch ms), for the marker's accessible label. */
  at: number;
}

export interface AlarmRow {
  at: number;
  t: number;
  alarms: string[];
}

export interface ProbeRow {
  at: number;
  t: number;
  phase: ObservationPoint['phase'];
  requests: number;
  failed: number;
}

export interface ReportModel {
  startedAt: number;
  /** The axis' end (s since the start): the end of the deployment, else its last event. */
  durationS: number;
  ended: boolean;
  weights: WeightRow[];
  colors: ColorRow[];
  verdicts: VerdictRow[];
  markers: Marker[];
  alarms: AlarmRow[];
  probes: ProbeRow[];
  /** Evaluations the log kept (it samples a long deployment's older ones out). */
  observations: number;
}

/** Events that decide a rollback; the first one is the rollback moment. */
const ROLLBACK_CAUSES = new Set([
  'GATE_FAILED',
  'TEST_TRAFFIC_FAILED',
  'NEW_COLOR_ROLLOUT_FAILED',
  'NEW_COLOR_CRASH_LOOP',
  'CONTROL_ABORT',
]);
const ROLLED_BACK: ReadonlySet<string> = new Set(['ROLLED_BACK', 'ROLLBACK_FAILED']);

const seconds = (at: number, startedAt: number) => Math.round((at - startedAt) / 10) / 100;

function weightsOf(event: DeploymentEvent): Record<Color, number> | null {
  const weights = (event.data as { weights?: unknown } | undefined)?.weights;
  if (!weights || typeof weights !== 'object') return null;
  const { blue, green } = weights as Record<string, unknown>;
  return typeof blue === 'number' && typeof green === 'number' ? { blue, green } : null;
}

/** The report's data for `record` and its history `events` (oldest first). */
export function reportModel(record: DeploymentRecord, events: DeploymentEvent[]): ReportModel {
  const start = record.startedAt;
  const lastAt = Math.max(start, record.endedAt ?? 0, ...events.map((e) => e.at));
  const t = (at: number) => seconds(at, start);
  const points = record.observations ?? [];

  const weights: WeightRow[] = [];
  const setWeights = (at: number, w: Record<Color, number>) => {
    for (const color of COLORS) weights.push({ t: t(at), color, weight: w[color] });
  };
  if (record.liveColor && record.newColor) {
    setWeights(start, { [record.liveColor]: 100, [record.newColor]: 0 } as Record<Color, number>);
  }
  for (const event of events) {
    const w = event.type === 'WEIGHTS_SET' ? weightsOf(event) : null;
    if (w) setWeights(event.at, w);
    if (event.type === 'ROLLBACK_DONE' && record.liveColor && record.newColor) {
      setWeights(event.at, { [record.liveColor]: 100, [record.newColor]: 0 } as Record<Color, number>);
    }
  }
  // The last weights hold to the end of the axis.
  const last = COLORS.map((color) => weights.filter((w) => w.color === color).at(-1)).filter(
    (w): w is WeightRow => w !== undefined,
  );
  for (const w of last) if (w.t < t(lastAt)) weights.push({ ...w, t: t(lastAt) });

  const colors: ColorRow[] = points.flatMap((p) =>
    COLORS.flatMap((color) => {
      const c = p.colors[color];
      if (!c || p.phase === 'test') return [];
      return [
        {
          t: t(p.at),
          color,
          errorRate: c.requests > 0 ? Math.round((c.errors / c.requests) * 10_000) / 100 : null,
          requests: c.requests,
          errors: c.errors,
          p99Ms: c.p99Ms,
        },
      ];
    }),
  );

  const markers: Marker[] = [];
  for (const event of events) {
    const data = event.data as { index?: unknown; weight?: unknown } | undefined;
    if (event.type === 'STEP_STARTED') {
      const index = typeof data?.index === 'number' ? data.index + 1 : '?';
      const weight = typeof data?.weight === 'number' ? ` ${data.weight} %` : '';
      markers.push({ t: t(event.at), at: event.at, kind: 'step', label: `step ${index}${weight}` });
    } else if (event.type === 'BAKE_STARTED') {
      markers.push({ t: t(event.at), at: event.at, kind: 'step', label: 'bake' });
    } else if (event.type === 'TEST_TRAFFIC_STARTED') {
      markers.push({ t: t(event.at), at: event.at, kind: 'step', label: 'test traffic' });
    }
  }
  const promotion = events.find(
    (e) => e.type === 'WEIGHTS_SET' && record.newColor && weightsOf(e)?.[record.newColor] === 100,
  );
  if (promotion)
    markers.push({ t: t(promotion.at), at: promotion.at, kind: 'promotion', label: 'promotion' });
  if (ROLLED_BACK.has(record.status) || events.some((e) => e.type === 'ROLLBACK_DONE')) {
    // The gate's own decision when it made one (its event is recorded a moment later), else the
    // event that caused the rollback, else its end.
    const decided = points.find((p) => p.decision === 'rollback');
    const cause =
      events.find((e) => ROLLBACK_CAUSES.has(e.type)) ?? events.find((e) => e.type === 'ROLLBACK_DONE');
    const at = decided?.at ?? cause?.at ?? record.endedAt;
    if (at !== undefined) markers.push({ t: t(at), at, kind: 'rollback', label: 'rollback' });
  }

  return {
    startedAt: start,
    durationS: Math.max(t(lastAt), 1),
    ended: record.status !== 'IN_PROGRESS',
    weights,
    colors,
    verdicts: points.map((p) => ({ t: t(p.at), verdict: p.verdict, decision: p.decision, phase: p.phase })),
    markers,
    alarms: points.filter((p) => p.alarms?.length).map((p) => ({ at: p.at, t: t(p.at), alarms: p.alarms! })),
    probes: points
      .filter((p) => p.probes)
      .map((p) => ({
        at: p.at,
        t: t(p.at),
        phase: p.phase,
        requests: p.probes!.requests,
        failed: p.probes!.failed,
      })),
    observations: points.length,
  };
}
