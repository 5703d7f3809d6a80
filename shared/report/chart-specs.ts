/**
 * The report's charts as Vega-Lite specs (data inline): every chart shares the x axis (seconds
 * since the deployment started, same domain and plot offset) and draws the step boundaries and
 * the promotion and rollback moments. Each mark gets an accessible label (`description`, which
 * Vega renders as `aria-label`) that names what it shows and for which color, so the SVG can be
 * read by assistive technology and by tests.
 */
import type { TopLevelSpec } from 'vega-lite';
import { COLORS } from '../domain/colors';
import type { Marker, ReportModel } from './report-model';

export const CHART_WIDTH = 720;
const HEIGHT = 150;
/** Room left of every plot for its y axis, the same in each chart so their x axes line up. */
const Y_AXIS_EXTENT = 56;
const COLOR_RANGE = ['#0969da', '#1a7f37'];
const MARKER_COLORS: Record<Marker['kind'], string> = {
  step: '#8c959f',
  promotion: '#8250df',
  rollback: '#cf222e',
};

const config = {
  background: '#ffffff',
  font: 'sans-serif',
  axisY: { minExtent: Y_AXIS_EXTENT, maxExtent: Y_AXIS_EXTENT },
  view: { stroke: '#d0d7de' },
  legend: { orient: 'right' as const },
};

function xAxis(model: ReportModel, title = true) {
  return {
    field: 't',
    type: 'quantitative' as const,
    scale: { domain: [0, model.durationS], nice: false, zero: true },
    title: title ? 'seconds since the start' : null,
  };
}

const colorEncoding = {
  field: 'color',
  type: 'nominal' as const,
  scale: { domain: [...COLORS], range: COLOR_RANGE },
  title: 'color',
};

/**
 * Rules and labels for the step boundaries and the promotion / rollback moments, one pair of
 * layers per kind with a fixed color (a color encoding would share the chart's color scale).
 */
function markerLayers(model: ReportModel) {
  const kinds = (Object.keys(MARKER_COLORS) as Marker['kind'][]).filter((kind) =>
    model.markers.some((m) => m.kind === kind),
  );
  return kinds.flatMap((kind) => {
    const values = model.markers
      .filter((m) => m.kind === kind)
      .map((m) => ({ ...m, iso: new Date(m.at).toISOString() }));
    const color = MARKER_COLORS[kind];
    return [
      {
        data: { values },
        transform: [
          {
            calculate: "datum.label + ' at +' + format(datum.t, '.2f') + ' s (' + datum.iso + ')'",
            as: 'desc',
          },
        ],
        mark: {
          type: 'rule' as const,
          color,
          strokeWidth: kind === 'step' ? 1 : 2,
          ...(kind === 'step' ? { strokeDash: [4, 3] } : {}),
        },
        encoding: { x: xAxis(model), description: { field: 'desc' } },
      },
      {
        data: { values },
        mark: {
          type: 'text' as const,
          color,
          align: 'left' as const,
          baseline: 'top' as const,
          dx: 3,
          dy: kind === 'step' ? 2 : 14,
          fontSize: 10,
          aria: false,
        },
        encoding: { x: xAxis(model), y: { value: 0 }, text: { field: 'label' } },
      },
    ];
  });
}

/**
 * The whole picture as one chart, so that every row shares the time axis and lines up: the weight
 * on each color (step lines), the gate's verdict at each evaluation, each color's 5xx rate and p99.
 */
export function deploymentChartSpec(model: ReportModel): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    description: 'Traffic weight on each color, the gate verdicts, and each color 5xx rate and p99 over time',
    config,
    spacing: 26,
    resolve: { scale: { color: 'independent', y: 'independent' } },
    vconcat: [
      {
        width: CHART_WIDTH,
        height: HEIGHT,
        title: { text: 'Production traffic weight (%)', anchor: 'start', fontSize: 13 },
        layer: [
          {
            data: { values: model.weights },
            transform: [{ calculate: "'weight on ' + datum.color", as: 'desc' }],
            mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2.5 },
            encoding: {
              x: xAxis(model, false),
              y: { field: 'weight', type: 'quantitative', scale: { domain: [0, 100] }, title: '%' },
              color: colorEncoding,
              description: { field: 'desc' },
            },
          },
          ...markerLayers(model),
        ],
      },
      {
        width: CHART_WIDTH,
        height: 46,
        title: { text: 'Gate verdict at each evaluation', anchor: 'start', fontSize: 13 },
        layer: [
          {
            data: { values: model.verdicts },
            transform: [
              {
                calculate:
                  "'verdict ' + datum.verdict + ', decision ' + datum.decision + ' at +' + format(datum.t, '.2f') + ' s'",
                as: 'desc',
              },
            ],
            mark: { type: 'point', filled: true, opacity: 0.9 },
            encoding: {
              x: xAxis(model),
              y: {
                field: 'verdict',
                type: 'nominal',
                scale: { domain: ['pass', 'inconclusive', 'fail'] },
                title: null,
              },
              color: {
                field: 'verdict',
                type: 'nominal',
                scale: { domain: ['pass', 'inconclusive', 'fail'], range: ['#2da44e', '#8c959f', '#cf222e'] },
                legend: null,
              },
              size: {
                condition: { test: "datum.decision !== 'wait'", value: 110 },
                value: 30,
              },
              description: { field: 'desc' },
            },
          },
          ...markerLayers(model),
        ],
      },
      colorFigureRow(model, 'errorRate', "5xx rate in the gate's window (%)", '%', '5xx rate'),
      colorFigureRow(model, 'p99Ms', "p99 latency in the gate's window (ms)", 'ms', 'p99'),
    ],
  };
}

/** One figure per color as the gate read it (5xx rate or p99), on the common axis. */
function colorFigureRow(
  model: ReportModel,
  field: 'errorRate' | 'p99Ms',
  title: string,
  unit: string,
  what: string,
) {
  // All zeros still get an axis that reads as "zero", not a lone tick in the middle.
  const floor = field === 'errorRate' ? 1 : 10;
  return {
    width: CHART_WIDTH,
    height: HEIGHT,
    title: { text: title, anchor: 'start' as const, fontSize: 13 },
    layer: [
      {
        data: { values: model.colors },
        transform: [
          { filter: `isValid(datum.${field})` },
          {
            calculate: `'${what} on ' + datum.color + ' at +' + format(datum.t, '.2f') + ' s: ' + datum.${field} + ' ${unit}'`,
            as: 'desc',
          },
        ],
        layer: [
          {
            mark: { type: 'line' as const, strokeWidth: 2 },
            encoding: {
              x: xAxis(model),
              y: {
                field,
                type: 'quantitative' as const,
                title: unit,
                scale: { domain: { unionWith: [0, floor] } },
              },
              color: colorEncoding,
              description: { value: `${what} line` },
            },
          },
          {
            mark: { type: 'point' as const, filled: true, size: 22 },
            encoding: {
              x: xAxis(model),
              y: { field, type: 'quantitative' as const, title: unit },
              color: colorEncoding,
              description: { field: 'desc' },
            },
          },
        ],
      },
      ...markerLayers(model),
    ],
  };
}
