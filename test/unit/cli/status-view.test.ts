import fc from 'fast-check';
import { historySentences, historyTable } from '../../../bin/history-view';
import {
  changeKey,
  changeLine,
  frameLines,
  redraw,
  statusView,
  type RecordView,
} from '../../../bin/status-view';
import type { DeploymentEvent } from '../../../shared/domain/deployment';
import type { Decision } from '../../../shared/domain/gate/decide';
import type { Verdict } from '../../../shared/domain/gate/verdict';
import type { ObservationPoint } from '../../../shared/domain/observation-log';
import { SpecSchema } from '../../../shared/domain/spec';
import { specFor } from '../../fixtures/spec';

const T0 = Date.UTC(2026, 11, 2, 10, 0, 0);
const spec = SpecSchema.parse(
  specFor({
    plan: {
      steps: [
        { weight: 10, holdSeconds: 120 },
        { weight: 50, holdSeconds: 60, approval: true },
      ],
    },
  }),
);
const traffic = (green: [number, number, number], blue: [number, number, number]) => ({
  green: {
    requests: green[0],
    errors: green[1],
    p50Ms: 5,
    p99Ms: green[2],
    from: T0,
    until: T0 + 60_000,
    periodSeconds: 1,
  },
  blue: {
    requests: blue[0],
    errors: blue[1],
    p50Ms: 5,
    p99Ms: blue[2],
    from: T0,
    until: T0 + 60_000,
    periodSeconds: 1,
  },
});

const record: RecordView = {
  id: 'web-1',
  status: 'IN_PROGRESS',
  service: 'web',
  cluster: 'prod',
  image: 'registry/web:2',
  liveColor: 'blue',
  newColor: 'green',
  spec,
  currentStep: { phase: 'step', index: 1, weight: 50 },
  awaitingApproval: true,
};

const events: DeploymentEvent[] = [
  {
    at: T0,
    type: 'STEP_STARTED',
    message: 'step 1 of 2: 10 % to green',
    data: { index: 0, weight: 10, holdSeconds: 120 },
  },
  {
    at: T0 + 1000,
    type: 'WEIGHTS_SET',
    message: 'weights blue 90 % / green 10 %',
    data: { weights: { blue: 90, green: 10 } },
  },
  {
    at: T0 + 125_000,
    type: 'GATE_PASSED',
    message: 'step 1 passed: 5xx 0.10 % ≤ 1 %; p99 45 ms within 1.5× of blue',
    data: {
      traffic: traffic([1000, 1, 45], [9000, 9, 40]),
      health: { healthy: 2, unhealthy: 0, transitioning: 0 },
    },
  },
  {
    at: T0 + 126_000,
    type: 'STEP_STARTED',
    message: 'step 2 of 2: 50 % to green',
    data: { index: 1, weight: 50, holdSeconds: 60 },
  },
  {
    at: T0 + 127_000,
    type: 'WEIGHTS_SET',
    message: 'weights blue 50 % / green 50 %',
    data: { weights: { blue: 50, green: 50 } },
  },
];

describe('statusView', () => {
  it('shows the step with its hold progress and deadline, weights, both colors, the last verdict and the approval', () => {
    const view = statusView(record, events, T0 + 126_000 + 30_000);

    expect(view.step).toEqual({
      phase: 'step',
      number: 2,
      of: 2,
      weight: 50,
      startedAt: T0 + 126_000,
      holdSeconds: 60,
      elapsedSeconds: 30,
      deadlineAt: T0 + 126_000 + (60 + spec.plan.steps[1]!.gate.stepTimeoutSeconds) * 1000,
    });
    expect(view.weights).toEqual({ blue: 50, green: 50 });
    expect(view.last).toMatchObject({
      source: 'event',
      verdict: 'passed',
      decision: 'advance',
      reason: '5xx 0.10 % ≤ 1 %',
      colors: { green: { requests: 1000, errors: 1, errorRate: 0.001, p99Ms: 45 }, blue: { requests: 9000 } },
    });
    expect(frameLines(view)).toEqual([
      'web-1  IN_PROGRESS  web',
      '  image     registry/web:2',
      '  colors    blue live → green new',
      `  step      step 2/2 at 50 %  hold 30s/1m00s, deadline ${new Date(view.step!.deadlineAt!).toISOString().slice(11, 19)}`,
      '  weights   blue 50 % / green 50 %',
      '  traffic   at the last verdict  (window 10:00:00–10:01:00)',
      '    blue     (live) 9000 req  0.10 % 5xx  p99 40 ms',
      '    green    (new)  1000 req  0.10 % 5xx  p99 45 ms',
      '  gate      passed → advance at 10:02:05: 5xx 0.10 % ≤ 1 %',
      '  approval  awaited: greenlight approve web-1',
    ]);
  });

  it("prefers the record's last observation over the last verdict event", () => {
    const point = (
      at: number,
      verdict: Verdict,
      decision: Decision,
      g: number[],
      b: number[],
    ): ObservationPoint => ({
      at,
      phase: 'step',
      step: 0,
      newColor: 'green',
      colors: {
        green: { requests: g[0]!, errors: g[1]!, p99Ms: g[2]! },
        blue: { requests: b[0]!, errors: b[1]!, p99Ms: b[2]! },
      },
      verdict,
      decision,
    });
    const observations = [
      point(T0 + 1, 'pass', 'advance', [1, 0, 1], [1, 0, 1]),
      point(T0 + 150_000, 'fail', 'wait', [200, 8, 90], [200, 0, 40]),
    ];

    const view = statusView({ ...record, observations }, events, T0 + 150_000);

    expect(view.last).toMatchObject({
      source: 'observation',
      verdict: 'fail',
      decision: 'wait',
      // A point keeps no reason text; the last verdict event (at 10:02:05) is an older evaluation's.
      reason: null,
      colors: { green: { requests: 200, errors: 8, errorRate: 0.04, p99Ms: 90 } },
    });
    expect(frameLines(view)).toContain('  gate      fail → wait at 10:02:30');
  });

  it("takes the weights from the record's lastWeight, which a rollback sets without a WEIGHTS_SET event", () => {
    const rolledBack = statusView({ ...record, status: 'ROLLED_BACK', lastWeight: 0 }, events, T0 + 300_000);

    expect(rolledBack.weights).toEqual({ blue: 100, green: 0 });
    expect(rolledBack.step).toBeNull();
  });

  it('shows a deployment that has not been judged or recorded yet without figures', () => {
    const view = statusView({ id: 'web-2', status: 'STARTING', execution: 'RUNNING' }, [], T0);

    expect(frameLines(view)).toEqual(['web-2  STARTING']);
    expect(changeLine(view)).toBe('10:00:00  STARTING');
  });

  it('says the hold is over and how long the gate has been judging since', () => {
    const view = statusView(record, events, T0 + 126_000 + 75_000);

    expect(changeLine(view)).toContain('step 2/2 at 50 % on green (hold 1m00s/1m00s, gate +15s, deadline');
  });
});

describe('changeKey', () => {
  it('ignores the clock: the same deployment polled later is no change, a new weight is', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), (later) => {
        const a = statusView(record, events, T0 + 126_000);
        const b = statusView(record, events, T0 + 126_000 + later);
        const moved = statusView(
          record,
          [
            ...events,
            {
              at: T0 + 200_000,
              type: 'WEIGHTS_SET',
              message: '',
              data: { weights: { blue: 0, green: 100 } },
            },
          ],
          T0 + 126_000,
        );
        return changeKey(a) === changeKey(b) && changeKey(a) !== changeKey(moved);
      }),
    );
  });
});

describe('redraw', () => {
  it('moves up over the previous frame, clears and rewrites each line, and clears what is left below', () => {
    expect(redraw(0, ['a', 'b'])).toBe('\r\u001b[2Ka\n\u001b[2Kb\n\u001b[0J');
    expect(redraw(3, ['a'])).toBe('\u001b[3A\r\u001b[2Ka\n\u001b[0J');
  });

  it('cuts lines to the terminal width, so a frame always takes as many rows as it has lines', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ maxLength: 300 }).filter((s) => !s.includes('\n')),
          { maxLength: 20 },
        ),
        fc.integer({ min: 20, max: 200 }),
        (lines, columns) => {
          const out = redraw(0, lines, columns);
          const rows = out.split('\n').slice(0, -1);
          return (
            rows.length === lines.length &&
            rows.every((r) => [...r.replaceAll('\r', '').replaceAll('\u001b[2K', '')].length <= columns)
          );
        },
      ),
    );
  });
});

describe('historyTable', () => {
  it('puts green and blue figures of each verdict side by side, other events as a short detail', () => {
    const table = historyTable(events).split('\n');

    expect(table[0]).toMatch(
      /^time \(2026-12-02 UTC\)\s+event\s+step\s+verdict\s+green\s+blue\s+decision \/ detail$/,
    );
    expect(table[4]).toMatch(
      /^10:02:05\s+GATE_PASSED\s+step 1\s+passed\s+1000 req {2}0\.10 % 5xx {2}p99 45 ms\s+9000 req {2}0\.10 % 5xx {2}p99 40 ms\s+advance: 5xx 0\.10 % ≤ 1 %$/,
    );
    expect(table[2]).toMatch(/^10:00:00\s+STEP_STARTED\s+step 1 of 2: 10 % to green$/);
  });

  it('gives every event its full sentence with --verbose', () => {
    const text = historySentences(events);

    expect(text).toContain('GATE_PASSED   step 1 passed: 5xx 0.10 % ≤ 1 %; p99 45 ms within 1.5× of blue\n');
    expect(text).toMatch(/\n\s+green 1000 req {2}0\.10 % 5xx {2}p99 45 ms\n\s+blue {2}9000 req/);
    expect(historyTable([])).toBe('no events yet\n');
  });
});
