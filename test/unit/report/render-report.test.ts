import { escapeHtml, renderReport } from '../../../shared/report/render-report';
import { reportModel } from '../../../shared/report/report-model';
import { HOSTILE, REPORT_T0, rolledBack } from '../../fixtures/report-deployment';

/** The aria-labels of the page's SVG marks. */
const labels = (html: string) => [...html.matchAll(/aria-label="([^"]*)"/g)].map((m) => m[1]!);

describe('deployment report', () => {
  describe('model', () => {
    it('draws the weights from the start, each WEIGHTS_SET and the rollback, to the end', () => {
      const { record, events } = rolledBack();

      const model = reportModel(record, events);

      expect(model.weights.filter((w) => w.color === 'green').map((w) => [w.t, w.weight])).toEqual([
        [0, 0],
        [5.1, 10],
        [19, 0],
        [20, 0],
      ]);
    });

    it('marks the step boundary and the rollback at the decision that caused it', () => {
      const { record, events } = rolledBack();

      const model = reportModel(record, events);

      expect(model.markers).toEqual([
        { t: 5, at: REPORT_T0 + 5000, kind: 'step', label: 'step 1 10 %' },
        { t: 8, at: REPORT_T0 + 8000, kind: 'rollback', label: 'rollback' },
      ]);
    });

    it("gives each color's 5xx rate in percent, null without requests", () => {
      const { record, events } = rolledBack();
      record.observations![0]!.colors.green!.requests = 0;

      const rows = reportModel(record, events).colors.filter((c) => c.color === 'green');

      expect(rows.map((r) => r.errorRate)).toEqual([null, 20, 21.82]);
    });

    it('marks the promotion at the weights that sent everything to the new color', () => {
      const { record, events } = rolledBack();
      const promoted = {
        ...record,
        status: 'PROMOTED' as const,
        error: undefined,
      };
      const withPromotion = [
        ...events.filter((e) => !['GATE_FAILED', 'ROLLBACK_DONE', 'ROLLED_BACK'].includes(e.type)),
        {
          at: REPORT_T0 + 12_000,
          type: 'WEIGHTS_SET',
          message: 'w',
          data: { weights: { blue: 0, green: 100 } },
        },
      ];

      const markers = reportModel(promoted, withPromotion).markers.filter((m) => m.kind !== 'step');

      expect(markers).toEqual([{ t: 12, at: REPORT_T0 + 12_000, kind: 'promotion', label: 'promotion' }]);
    });
  });

  describe('page', () => {
    it('escapes every string from the record, the spec and the events', async () => {
      const { record, events } = rolledBack();

      const { html } = await renderReport(record, events);

      expect(html).not.toContain('<script');
      expect(html).not.toContain('<img');
      expect(html).toContain(escapeHtml(HOSTILE));
    });

    it('draws SVG marks for both colors: weights, 5xx rate and p99 points', async () => {
      const { record, events } = rolledBack();

      const { html } = await renderReport(record, events);

      const all = labels(html);
      for (const color of ['blue', 'green']) {
        expect(all).toContain(`weight on ${color}`);
        expect(all.filter((l) => l.startsWith(`5xx rate on ${color} at`))).toHaveLength(3);
        expect(all.filter((l) => l.startsWith(`p99 on ${color} at`))).toHaveLength(3);
      }
      expect(all).toContain('5xx rate on green at +8.00 s: 21.82 %');
    });

    it("marks the rollback at the recorded time, in every chart row, and the gate's verdicts", async () => {
      const { record, events } = rolledBack();

      const { html } = await renderReport(record, events);

      const rollback = labels(html).filter((l) => l.startsWith('rollback at'));
      expect(rollback).toHaveLength(4);
      expect(new Set(rollback)).toEqual(
        new Set([`rollback at +8.00 s (${new Date(REPORT_T0 + 8000).toISOString()})`]),
      );
      expect(labels(html)).toContain('verdict fail, decision rollback at +8.00 s');
    });

    it('has the header, the alarms and probes, and every event in the history table', async () => {
      const { record, events } = rolledBack();

      const { html } = await renderReport(record, events);

      expect(html).toContain('ROLLED_BACK');
      expect(html).toContain('20 s');
      expect(html).toContain(escapeHtml(`GateFailed: 5xx rate 20 % on green ${HOSTILE}`));
      expect(html).toContain(escapeHtml(`web-5xx-${HOSTILE}`));
      expect(html.match(/<tr class="event">/g)).toHaveLength(events.length);
      expect(html).toContain('<tr class="failed">');
    });

    it('loads nothing: no script, no external URL, a CSP that forbids fetching', async () => {
      const { record, events } = rolledBack();

      const { html } = await renderReport(record, events);

      expect(html).not.toMatch(/<script|<link|src="http|href="http|url\(/i);
      expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    });

    it('renders a deployment with no observations and no events', async () => {
      const { record } = rolledBack();

      const { html } = await renderReport({ ...record, observations: undefined }, []);

      expect(html).toContain('No gate evaluation was recorded');
      expect(html).toContain('no events');
    });
  });
});
