import fc from 'fast-check';
import {
  combineVerdicts,
  type GateVerdict,
  judgeUnhealthyTargets,
  type TargetHealth,
} from '../../../shared/domain/gate';

const health = (unhealthy: number, healthy = 2, transitioning = 0): TargetHealth => ({
  healthy,
  unhealthy,
  transitioning,
});
const healthArb = fc.record({
  healthy: fc.integer({ min: 0, max: 50 }),
  unhealthy: fc.integer({ min: 0, max: 50 }),
  transitioning: fc.integer({ min: 0, max: 50 }),
});

describe('judgeUnhealthyTargets', () => {
  it('passes with no unhealthy target, naming the count and the limit', () => {
    expect(judgeUnhealthyTargets({ maxUnhealthyTargets: 0 }, health(0), 'green')).toEqual({
      verdict: 'pass',
      reasons: ['unhealthy green targets 0 ≤ 0 allowed'],
    });
  });

  it('fails on one unhealthy target with the default maxUnhealthyTargets 0', () => {
    expect(judgeUnhealthyTargets({ maxUnhealthyTargets: 0 }, health(1), 'green')).toEqual({
      verdict: 'fail',
      reasons: ['unhealthy green targets 1 > 0 allowed'],
    });
  });

  it('allows up to maxUnhealthyTargets', () => {
    expect(judgeUnhealthyTargets({ maxUnhealthyTargets: 2 }, health(2), 'blue')).toEqual({
      verdict: 'pass',
      reasons: ['unhealthy blue targets 2 ≤ 2 allowed'],
    });
    expect(judgeUnhealthyTargets({ maxUnhealthyTargets: 2 }, health(3), 'blue').verdict).toBe('fail');
  });

  it('does not count registering or draining targets as unhealthy', () => {
    expect(judgeUnhealthyTargets({ maxUnhealthyTargets: 0 }, health(0, 1, 5), 'green').verdict).toBe('pass');
  });

  it('never passes more often with more unhealthy targets or a lower maxUnhealthyTargets', () => {
    fc.assert(
      fc.property(
        healthArb,
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 20 }),
        (h, max, more, lower) => {
          const passes = (m: number, t: TargetHealth) =>
            judgeUnhealthyTargets({ maxUnhealthyTargets: m }, t, 'green').verdict === 'pass';

          const withMore = passes(max, { ...h, unhealthy: h.unhealthy + more });
          const withLower = passes(Math.max(0, max - lower), h);

          if (withMore || withLower) expect(passes(max, h)).toBe(true);
          expect(passes(max, h)).toBe(h.unhealthy <= max);
        },
      ),
    );
  });

  it('fails the combined verdict, with the traffic reasons kept, yet never passes an inconclusive one', () => {
    const traffic: GateVerdict = {
      verdict: 'inconclusive',
      reasons: ['3 requests < 20 needed for a verdict'],
    };

    expect(
      combineVerdicts(traffic, judgeUnhealthyTargets({ maxUnhealthyTargets: 0 }, health(1), 'green')),
    ).toEqual({ verdict: 'fail', reasons: ['unhealthy green targets 1 > 0 allowed'] });
    expect(
      combineVerdicts(traffic, judgeUnhealthyTargets({ maxUnhealthyTargets: 0 }, health(0), 'green')),
    ).toEqual({
      verdict: 'inconclusive',
      reasons: ['3 requests < 20 needed for a verdict', 'unhealthy green targets 0 ≤ 0 allowed'],
    });
  });
});
