/**
 * Late degradation in the bake: seeded simulations of bakes (100 % on the new color, 200 req/s,
 * judged every 10 s, the default) with the gate as the workflow runs it, with and without the bake's
 * latest-window rule (spec.bakeWindowSeconds, shared/domain/gate/bake-window.ts). A good release keeps 0.5 %
 * 5xx throughout; a degrading one goes from 0.5 % to 6 % 5xx late in the bake. Reported: rollback
 * rate, seconds from the degradation to the decision, 5xx answered after it. Targets are reported,
 * not asserted.
 *
 * The simulation sees each interval's requests as soon as the interval ends: that is the rehearsal's
 * pace (the local proxy's 1-s, lag-free data), so the spec says so (`metrics` 1-s periods, no
 * publication delay). It does not model CloudWatch's 60-s periods published minutes later; on AWS
 * timing a late failure is seen a period plus the delay later (see `npm run bench -- blast-aws`).
 */
import { parseArgs } from 'node:util';
import { SpecSchema } from '../shared/domain/spec';
import { seededRandom } from '../shared/domain/statistics/random';
import { simulateBake, type BakeScenario } from '../test/support/gate-simulation';
import { benchSpec } from './gate';
import type { BenchResult } from './run';
import { integerOption, quantile, textTable } from './stats';

const REQUESTS_PER_SECOND = 200;
const GOOD_RATE = 0.005;
const DEGRADED_RATE = 0.06;
/** The rehearsal's metrics: 1-s periods, published at once (not CloudWatch's 60 s + 120 s). */
const REHEARSAL_METRICS = { periodSeconds: 1, publishDelaySeconds: 0 };

interface Case {
  name: string;
  bakeSeconds: number;
  scenario: BakeScenario;
}

const CASES: Case[] = [
  { name: 'good, 300 s bake', bakeSeconds: 300, scenario: { errorRate: GOOD_RATE, p99Ms: 120 } },
  { name: 'good, 3600 s bake', bakeSeconds: 3600, scenario: { errorRate: GOOD_RATE, p99Ms: 120 } },
  // Just under the 1 % limit: the hardest good release for the limit's SPRT, window after window.
  { name: 'good at 0.9%, 3600 s bake', bakeSeconds: 3600, scenario: { errorRate: 0.009, p99Ms: 120 } },
  {
    name: '6% 5xx from 240 s of a 300 s bake',
    bakeSeconds: 300,
    scenario: { errorRate: GOOD_RATE, p99Ms: 120, degradeAtSeconds: 240, degradedErrorRate: DEGRADED_RATE },
  },
  {
    name: '6% 5xx from 3000 s of a 3600 s bake',
    bakeSeconds: 3600,
    scenario: { errorRate: GOOD_RATE, p99Ms: 120, degradeAtSeconds: 3000, degradedErrorRate: DEGRADED_RATE },
  },
];

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

export async function bake(args: string[]): Promise<BenchResult> {
  const { values } = parseArgs({
    args,
    options: { runs: { type: 'string', default: '1000' }, seed: { type: 'string', default: '1' } },
  });
  const runs = integerOption('runs', values.runs, 1, 100_000);
  const seed = integerOption('seed', values.seed);
  const started = Date.now();
  const rows = [];
  for (const [c, testCase] of CASES.entries()) {
    for (const windowSeconds of [null, 60] as const) {
      // The spec's gate defaults (judged every 10 s), this bake length, on the rehearsal's metrics
      // pace: the simulation has no publication lag, so the spec must not claim CloudWatch's.
      const spec = SpecSchema.parse(
        benchSpec({
          plan: { preset: 'all-at-once' },
          gate: { stepTimeoutSeconds: 60 },
          bakeSeconds: testCase.bakeSeconds,
          metrics: REHEARSAL_METRICS,
        }),
      );
      const random = seededRandom(seed + c);
      let rollbacks = 0;
      const afterOnset: number[] = [];
      const errors: number[] = [];
      for (let i = 0; i < runs; i++) {
        const outcome = simulateBake(
          {
            gate: spec.gate,
            bakeSeconds: spec.bakeSeconds,
            windowSeconds,
            requestsPerSecond: REQUESTS_PER_SECOND,
          },
          testCase.scenario,
          random,
        );
        if (outcome.decision === 'rollback') rollbacks++;
        const onset = testCase.scenario.degradeAtSeconds;
        if (onset !== undefined) {
          afterOnset.push(outcome.seconds - onset);
          errors.push(outcome.errorsAfterOnset);
        }
      }
      const degrading = testCase.scenario.degradeAtSeconds !== undefined;
      rows.push({
        case: testCase.name,
        rule: windowSeconds === null ? 'whole bake only' : `+ latest ${windowSeconds} s window`,
        runs,
        rollbackRate: rollbacks / runs,
        wrongRate: degrading ? 1 - rollbacks / runs : rollbacks / runs,
        secondsAfterOnset: degrading
          ? { p50: quantile(afterOnset, 0.5), p95: quantile(afterOnset, 0.95) }
          : null,
        errorsAfterOnset: degrading ? { p50: quantile(errors, 0.5), p95: quantile(errors, 0.95) } : null,
      });
    }
  }
  const table = textTable(
    [
      'bake',
      'rule',
      'rolled back',
      'false rollback / miss',
      'seconds after onset p50',
      'p95',
      '5xx after onset p50',
      'p95',
    ],
    rows.map((r) => [
      r.case,
      r.rule,
      pct(r.rollbackRate),
      `${r.case.startsWith('good') ? 'false rollback' : 'miss'} ${pct(r.wrongRate)}`,
      r.secondsAfterOnset ? String(r.secondsAfterOnset.p50) : '-',
      r.secondsAfterOnset ? String(r.secondsAfterOnset.p95) : '-',
      r.errorsAfterOnset ? String(r.errorsAfterOnset.p50) : '-',
      r.errorsAfterOnset ? String(r.errorsAfterOnset.p95) : '-',
    ]),
  );
  const header =
    `bake gate: ${runs} simulated bakes per row, ${REQUESTS_PER_SECOND} req/s at 100 %, judged every 10 s; ` +
    `good ${pct(GOOD_RATE)} 5xx, degraded ${pct(DEGRADED_RATE)}; gate defaults (maxErrorRate 1 %, α=1 %, δ=+2 pp); seed ${seed}\n` +
    'metrics at the rehearsal pace (1-s periods, no publication delay; CloudWatch lag not modelled)';
  const elapsedMs = Date.now() - started;
  return {
    table: `${header}\n${table}\n(${(elapsedMs / 1000).toFixed(1)} s)`,
    data: {
      setup: { runs, seed, requestsPerSecond: REQUESTS_PER_SECOND, metrics: REHEARSAL_METRICS, cases: CASES },
      results: rows,
      elapsedMs,
    },
  };
}
