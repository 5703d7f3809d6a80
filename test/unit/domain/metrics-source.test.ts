import fc from 'fast-check';
import {
  fillTemplate,
  gateMetricsModel,
  GateMetricsSchema,
  targetGroupName,
} from '../../../shared/domain/gate';
import { SpecSchema } from '../../../shared/domain/spec';
import { specFor } from '../../fixtures/spec';

const validSpecInput = () => specFor();

const PROM = {
  source: 'prometheus',
  url: 'http://127.0.0.1:9090',
  periodSeconds: 1,
  queries: {
    requests: 'sum(increase(http_requests_total{color="{{color}}"}[{{range}}]))',
    errors: 'sum(increase(http_requests_total{color="{{color}}",code=~"5.."}[{{range}}]))',
    p99: 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{color="{{color}}"}[{{range}}])))',
  },
};
const CW = {
  source: 'cloudwatch',
  periodSeconds: 10,
  queries: {
    requests: {
      metric: { namespace: 'App', name: 'Requests', dimensions: { color: '{{color}}' } },
      stat: 'Sum',
    },
    errors: { metric: { namespace: 'App', name: 'Errors', dimensions: { color: '{{color}}' } }, stat: 'Sum' },
    p99: {
      expression: 'MAX(SEARCH(\'{App,color} color="{{color}}" MetricName="Latency"\', \'p99\', {{period}}))',
    },
  },
};

const issues = (input: unknown) => {
  const result = GateMetricsSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('gate.metrics (metric sources)', () => {
  it('defaults to the ALB source and the spec-wide metrics model', () => {
    const spec = SpecSchema.parse(validSpecInput());
    expect(spec.gate.metrics).toBeUndefined();
    expect(gateMetricsModel(spec)).toEqual({ periodSeconds: 60, publishDelaySeconds: 120 });
  });

  it('gives cloudwatch and prometheus their own timing', () => {
    const cw = SpecSchema.parse({ ...validSpecInput(), gate: { metrics: CW } });
    expect(gateMetricsModel(cw)).toEqual({ periodSeconds: 10, publishDelaySeconds: 30 });
    const prom = SpecSchema.parse({ ...validSpecInput(), gate: { metrics: PROM } });
    // Default delay: two scrape intervals, at least 30 s.
    expect(gateMetricsModel(prom)).toEqual({ periodSeconds: 1, publishDelaySeconds: 30 });
    // The parsed spec parses again (every workflow step re-validates it).
    expect(SpecSchema.parse(prom)).toEqual(prom);
  });

  it('names the field of each mistake', () => {
    expect(issues({ source: 'datadog' })[0]).toMatch(/^source: /);
    expect(issues({ ...CW, periodSeconds: 15 })).toEqual([
      'periodSeconds: expected 1, 5, 10, 20, 30 (high-resolution metrics) or a multiple of 60',
    ]);
    expect(issues({ ...PROM, url: 'ftp://x' })[0]).toMatch(/^url: /);
    expect(issues({ ...PROM, publishDelaySeconds: 0, periodSeconds: 5 })).toEqual([
      'publishDelaySeconds: must be at least periodSeconds (5): a period\u2019s last samples are scraped up to one scrape interval after it ends'.replace(
        '\u2019',
        "'",
      ),
    ]);
    expect(issues({ ...PROM, queries: undefined })).toEqual([
      'queries: expected exactly one of queries (a template with {{color}}) or perColor ({ blue, green })',
    ]);
    expect(issues({ ...PROM, queries: { ...PROM.queries, errors: 'x{{colour}}' } })).toEqual([
      'queries.errors: unknown placeholder {{colour}} (known: {{color}}, {{targetGroup}}, {{targetGroupName}}, {{range}})',
    ]);
    expect(
      issues({ ...CW, queries: { ...CW.queries, requests: { metric: CW.queries.requests.metric } } }),
    ).toEqual(['queries.requests.stat: required with metric (e.g. Sum, p99)']);
    expect(issues({ ...CW, queries: { ...CW.queries, errors: {} } })).toEqual([
      'queries.errors: expected exactly one of expression or metric',
    ]);
    expect(issues({ ...PROM, sigv4: { region: 'Mars' } })[0]).toMatch(
      /^sigv4.region: expected an AWS region/,
    );
  });

  it('rejects a spec-wide metrics model next to another source, and a step that switches source', () => {
    const result = SpecSchema.safeParse({
      ...validSpecInput(),
      metrics: { periodSeconds: 120, publishDelaySeconds: 120 },
      gate: { metrics: CW },
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain('metrics');
    const switched = SpecSchema.safeParse({
      ...validSpecInput(),
      gate: { metrics: PROM },
      plan: { steps: [{ weight: 10, holdSeconds: 60, gate: { metrics: CW } }] },
    });
    expect(switched.error?.issues.map((i) => i.path.join('.'))).toEqual(['plan.steps.0.gate.metrics']);
  });

  it('checks the source timing against holds and timeouts', () => {
    const result = SpecSchema.safeParse({
      ...validSpecInput(),
      gate: { metrics: { ...CW, publishDelaySeconds: 900 }, stepTimeoutSeconds: 600 },
    });
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain('gate.stepTimeoutSeconds');
  });

  it('fills every placeholder and leaves no braces', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('blue', 'green' as const),
        fc.stringMatching(/^[a-z0-9-]{1,20}$/),
        fc.integer({ min: 1, max: 86_400 }),
        (color, name, range) => {
          const tg = `arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/${name}/abc`;
          const text = fillTemplate('{{color}} {{ targetGroup }} {{targetGroupName}} [{{range}}]', {
            color: color as 'blue' | 'green',
            targetGroup: tg,
            rangeSeconds: range,
          });
          expect(text).toBe(`${color} ${tg} ${name} [${range}s]`);
          expect(targetGroupName(tg)).toBe(name);
        },
      ),
    );
    expect(() => fillTemplate('{{period}}', { color: 'blue', targetGroup: 'tg' })).toThrow(
      /unknown placeholder \{\{period\}\}/,
    );
  });
});
