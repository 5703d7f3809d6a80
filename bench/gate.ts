/**
 * Gate decisions under simulated traffic: Greenlight's sequential gate against a CodeDeploy-style
 * fixed window (CodeDeployDefault.ECSCanary10Percent5Minutes judged by a threshold at the end).
 *
 * Each deployment is one 10 % canary step at 200 requests/s (10 in the low-traffic rows),
 * evaluated every second on the cumulative window since the step started, through the real
 * evaluateGate and decide (test/support/gate-simulation.ts has the traffic and latency model).
 * All gates come from real spec presets with `intervalSeconds: 1` and every other gate setting at
 * its default (sequential: α = β = 1 %, δ = +2 pp, maxErrorRate 1 %, the limit's interim look at
 * 135 s, final look at 300 s, last look at 450 s, p99 ≤
 * blue × 1.5 + 50 ms, maxProbabilitySlower 0.55, two failing evaluations in a row; fixed window:
 * 5xx share ≤ 1 % and p99 ≤ 1000 ms over 5 minutes). The sequential gate runs twice: on a source
 * with latency histograms (simulated, Prometheus-like buckets) and on p99 only (ALB metrics).
 * Every gate sees the same simulated traffic, deployment by deployment (common random numbers).
 * A deployment ends when the step advances (pass) or rolls back; the step deadline bounds it.
 * Seeded: the same options print the same table. */
import { parseArgs } from 'node:util';
import { SpecSchema, type DeploymentSpecInput } from '../shared/domain/spec';
import { seededRandom } from '../shared/domain/statistics/random';
import { logBinomialCdf } from '../shared/domain/statistics/special-functions';
import { specFor } from '../test/fixtures/spec';
import { simulateStep, type Scenario, type StepSetup } from '../test/support/gate-simulation';
import type { BenchResult } from './run';
import { integerOption, quantile, textTable } from './stats';

const BLUE_ERROR_RATE = 0.005;
const BLUE_P99_MS = 120;
const REQUESTS_PER_SECOND = 200;
const LOW_TRAFFIC_REQUESTS_PER_SECOND = 10;
/** The gates' default maxErrorRate, which the "over the limit" row is placed against. */
const LIMIT = 0.01;

interface NamedScenario extends Scenario {
  name: string;
  /** Whether the release should be rolled back. */
  bad: boolean;
  requestsPerSecond: number;
}

const base = {
  blueErrorRate: BLUE_ERROR_RATE,
  blueP99Ms: BLUE_P99_MS,
  requestsPerSecond: REQUESTS_PER_SECOND,
};
const SCENARIOS: NamedScenario[] = [
  { ...base, name: 'good (0.5% 5xx)', bad: false, greenErrorRate: BLUE_ERROR_RATE, greenP99Ms: BLUE_P99_MS },
  // 1.5 %: +1 pp over blue is +0.5 pp over the 1 % limit (the case the fixed window used to win).
  {
    ...base,
    name: 'bad +0.5 pp over the limit (+1 pp)',
    bad: true,
    greenErrorRate: LIMIT + 0.005,
    greenP99Ms: BLUE_P99_MS,
  },
  {
    ...base,
    // Blue at the limit too: the comparison sees +0.5 pp only, so the hard limit alone has to catch it.
    name: 'bad +0.5 pp over the limit, blue at it',
    bad: true,
    blueErrorRate: LIMIT,
    greenErrorRate: LIMIT + 0.005,
    greenP99Ms: BLUE_P99_MS,
  },
  { ...base, name: 'bad +5 pp', bad: true, greenErrorRate: BLUE_ERROR_RATE + 0.05, greenP99Ms: BLUE_P99_MS },
  { ...base, name: 'bad +20 pp', bad: true, greenErrorRate: BLUE_ERROR_RATE + 0.2, greenP99Ms: BLUE_P99_MS },
  { ...base, name: 'slow (p99 ×3)', bad: true, greenErrorRate: BLUE_ERROR_RATE, greenP99Ms: BLUE_P99_MS * 3 },
  {
    ...base,
    name: 'slow p99 ×1.3',
    bad: true,
    greenErrorRate: BLUE_ERROR_RATE,
    greenP99Ms: BLUE_P99_MS * 1.3,
  },
  {
    ...base,
    name: 'low traffic 10 req/s, good',
    bad: false,
    greenErrorRate: BLUE_ERROR_RATE,
    greenP99Ms: BLUE_P99_MS,
    requestsPerSecond: LOW_TRAFFIC_REQUESTS_PER_SECOND,
  },
  {
    ...base,
    name: 'low traffic 10 req/s, bad +5 pp',
    bad: true,
    greenErrorRate: BLUE_ERROR_RATE + 0.05,
    greenP99Ms: BLUE_P99_MS,
    requestsPerSecond: LOW_TRAFFIC_REQUESTS_PER_SECOND,
  },
];

/**
 * A spec of the simulated service `bench` with this plan and gate. Only the first step is
 * simulated; a short launch and no bake keep the 1-s gate interval within the spec's
 * execution-history budget.
 */
export function benchSpec(fields: Partial<DeploymentSpecInput>): DeploymentSpecInput {
  return specFor(
    { service: 'bench', launch: { timeoutSeconds: 60, pollSeconds: 10 }, bakeSeconds: 0, ...fields },
    { place: { cluster: 'bench', listener: 'bench-listener' } },
  );
}

/** The first step of a spec with this plan and gate: what the workflow would run. */
function firstStep(
  plan: DeploymentSpecInput['plan'],
  gate: DeploymentSpecInput['gate'],
  latencyHistograms: boolean,
): StepSetup {
  const step = SpecSchema.parse(benchSpec({ plan, gate })).plan.steps[0];
  if (!step) throw new Error('plan has no step');
  return {
    gate: step.gate,
    weight: step.weight,
    holdSeconds: step.holdSeconds,
    requestsPerSecond: REQUESTS_PER_SECOND,
    latencyHistograms,
  };
}

/** Wilson score interval for a proportion, 95 %. */
function wilson(successes: number, n: number): [number, number] {
  const z = 1.959964;
  const p = successes / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

interface Row {
  gate: string;
  scenario: string;
  deployments: number;
  rollbacks: number;
  /** False rollbacks (good release) or misses (bad release). */
  wrong: number;
  wrongRate: number;
  wrongRateCi95: [number, number];
  requestsToDecision: { p50: number; p95: number };
  secondsToDecision: { p50: number; p95: number };
  ms: number;
}

/**
 * Deployment `i` of scenario `s` draws its traffic from its own stream, the same for every gate
 * (common random numbers): the gates are compared on the very same requests, so a difference in
 * the table is the gates', not the draws'. Latency histograms draw from a second stream.
 */
const streamSeed = (seed: number, s: number, i: number) =>
  (Math.imul(seed, 1_000_003) + s * 7_919_111 + i) >>> 0;

function run(
  gateName: string,
  setup: StepSetup,
  scenario: NamedScenario,
  scenarioIndex: number,
  deployments: number,
  seed: number,
): Row {
  const started = Date.now();
  const requests: number[] = [];
  const seconds: number[] = [];
  const stepSetup = { ...setup, requestsPerSecond: scenario.requestsPerSecond };
  let rollbacks = 0;
  for (let i = 0; i < deployments; i++) {
    const stream = streamSeed(seed, scenarioIndex, i);
    const outcome = simulateStep(
      stepSetup,
      scenario,
      seededRandom(stream),
      seededRandom(stream ^ 0x5bd1e995),
    );
    if (outcome.decision === 'rollback') rollbacks++;
    requests.push(outcome.greenRequests);
    seconds.push(outcome.seconds);
  }
  const wrong = scenario.bad ? deployments - rollbacks : rollbacks;
  return {
    gate: gateName,
    scenario: scenario.name,
    deployments,
    rollbacks,
    wrong,
    wrongRate: wrong / deployments,
    wrongRateCi95: wilson(wrong, deployments),
    requestsToDecision: { p50: quantile(requests, 0.5), p95: quantile(requests, 0.95) },
    secondsToDecision: { p50: quantile(seconds, 0.5), p95: quantile(seconds, 0.95) },
    ms: Date.now() - started,
  };
}

/** One row's targets: sequential against the fixed window on the same scenario. */
interface RowTargets {
  scenario: string;
  gate: string;
  missNoHigherThanFixed: boolean | null;
  falseRollbackAtMost1Pct: boolean | null;
  medianRequestsRatioToFixed: number;
  medianRequestsAtMostHalf: boolean;
  met: boolean;
}

/**
 * What a good row's "≤ ½" asks, in numbers: passing on evidence that the 5xx rate is below the
 * limit (the chance of passing a release at the limit at most β) takes, even without a single
 * error, (1 − limit)^n ≤ β requests — whatever the test. Set against half the fixed window's
 * median, and against what the fixed window's own pass is worth: the chance it passes a release
 * exactly at the limit on its median requests (observed rate ≤ the limit, exact binomial).
 */
function passingBound(beta: number, fixedMedianRequests: number) {
  const fewestRequestsForEvidence = Math.ceil(Math.log(beta) / Math.log1p(-LIMIT));
  const n = Math.round(fixedMedianRequests);
  const fixedPassesAtLimit = Math.exp(logBinomialCdf(Math.floor(n * LIMIT), n, LIMIT));
  return {
    fewestRequestsForEvidence,
    fixedRequests: n,
    halfFixedWindow: Math.floor(n / 2),
    possible: fewestRequestsForEvidence <= n / 2,
    fixedPassesAtLimit,
  };
}

export async function gate(args: string[]): Promise<BenchResult> {
  const { values } = parseArgs({
    args,
    options: {
      deployments: { type: 'string', default: '2000' },
      seed: { type: 'string', default: '1' },
      delta: { type: 'string', default: '0.02' },
    },
  });
  const deployments = integerOption('deployments', values.deployments, 1, 1_000_000);
  const seed = integerOption('seed', values.seed);
  const delta = Number(values.delta);
  if (!(delta >= 0.001 && delta <= 0.5))
    throw new Error(`--delta: expected 0.001 to 0.5, got ${values.delta}`);

  const sequentialGate = { intervalSeconds: 1, minDetectableIncrease: delta };
  const sequentialPlan: DeploymentSpecInput['plan'] = { preset: 'canary', weights: [10], holdSeconds: 0 };
  const gates: [string, StepSetup][] = [
    ['greenlight sequential, histograms', firstStep(sequentialPlan, sequentialGate, true)],
    ['greenlight sequential, p99 only', firstStep(sequentialPlan, sequentialGate, false)],
    [
      'codedeploy-canary-10-5',
      firstStep({ preset: 'codedeploy-canary-10-5' }, { intervalSeconds: 1 }, false),
    ],
  ];
  const started = Date.now();
  const rows: Row[] = [];
  gates.forEach(([name, setup]) =>
    SCENARIOS.forEach((scenario, s) => rows.push(run(name, setup, scenario, s, deployments, seed))),
  );

  const find = (g: string, s: string) => rows.find((r) => r.gate === g && r.scenario === s)!;
  const fixed = gates[2]![0];
  const targets: RowTargets[] = gates.slice(0, 2).flatMap(([sequential]) =>
    SCENARIOS.map((s) => {
      const seq = find(sequential, s.name);
      const fix = find(fixed, s.name);
      const ratio = Number((seq.requestsToDecision.p50 / fix.requestsToDecision.p50).toFixed(3));
      const missNoHigherThanFixed = s.bad ? seq.wrongRate <= fix.wrongRate : null;
      const falseRollbackAtMost1Pct = s.bad ? null : seq.wrongRate <= 0.01;
      return {
        scenario: s.name,
        gate: sequential,
        missNoHigherThanFixed,
        falseRollbackAtMost1Pct,
        medianRequestsRatioToFixed: ratio,
        medianRequestsAtMostHalf: ratio <= 0.5,
        met: missNoHigherThanFixed !== false && falseRollbackAtMost1Pct !== false && ratio <= 0.5,
      };
    }),
  );

  const table = textTable(
    [
      'gate',
      'scenario',
      'rolled back',
      'false rollback / miss (95% CI)',
      'green requests to decision p50',
      'p95',
      'seconds p50',
      'p95',
    ],
    rows.map((r) => [
      r.gate,
      r.scenario,
      pct(r.rollbacks / r.deployments),
      `${SCENARIOS.find((s) => s.name === r.scenario)!.bad ? 'miss' : 'false rollback'} ${pct(r.wrongRate)} (${pct(r.wrongRateCi95[0])}–${pct(r.wrongRateCi95[1])})`,
      String(r.requestsToDecision.p50),
      String(r.requestsToDecision.p95),
      String(r.secondsToDecision.p50),
      String(r.secondsToDecision.p95),
    ]),
  );
  const yesNo = (b: boolean | null) => (b === null ? '–' : b ? 'yes' : 'NO');
  const targetTable = textTable(
    ['gate', 'scenario', 'miss ≤ fixed', 'false rollback ≤ 1%', 'median requests / fixed', '≤ ½', 'targets'],
    targets.map((t) => [
      t.gate,
      t.scenario,
      yesNo(t.missNoHigherThanFixed),
      yesNo(t.falseRollbackAtMost1Pct),
      String(t.medianRequestsRatioToFixed),
      yesNo(t.medianRequestsAtMostHalf),
      t.met ? 'met' : 'NOT met',
    ]),
  );
  // Each good row: can any test pass on evidence with half the window's requests?
  const beta = gates[0]![1].gate.missRate;
  const bounds = SCENARIOS.filter((s) => !s.bad).map((s) => ({
    scenario: s.name,
    ...passingBound(beta, find(fixed, s.name).requestsToDecision.p50),
    fixedFalseRollback: find(fixed, s.name).wrongRate,
  }));
  const boundLines = bounds.map(
    (b) =>
      `- ${b.scenario}: passing on evidence that the 5xx rate is below ${pct(LIMIT)} (β = ${pct(beta)}) takes ` +
      `≥ ${b.fewestRequestsForEvidence} requests for any test, even with no error; half the fixed window is ${b.halfFixedWindow}: ` +
      `${b.possible ? 'possible' : 'impossible'}. The fixed window passes on its ${b.fixedRequests} requests without that evidence: ` +
      `it would pass a release exactly at the limit ${pct(b.fixedPassesAtLimit)} of the time (exact binomial), ` +
      `and rolls back ${pct(b.fixedFalseRollback)} of these good releases.`,
  );
  const header =
    `gate decisions: ${deployments} simulated deployments per row (the same traffic for every gate), one ${gates[0]![1].weight}% step ` +
    `at ${REQUESTS_PER_SECOND} req/s (low-traffic rows ${LOW_TRAFFIC_REQUESTS_PER_SECOND}), evaluated every 1 s; blue 5xx ${pct(BLUE_ERROR_RATE)} unless named, ` +
    `p99 ${BLUE_P99_MS} ms; maxErrorRate ${pct(LIMIT)}; sequential δ=+${Number((delta * 100).toPrecision(3))} pp, limit's interim look at 135 s, final look at 300 s (last 450 s); ` +
    `"histograms": the source gives latency buckets (simulated Prometheus-like), "p99 only": ALB metrics; seed ${seed}`;
  return {
    table: `${header}\n${table}\n\ntargets (reported, not asserted), per sequential gate against the fixed window:\n${targetTable}\n\nwhat "≤ ½" asks of the good rows:\n${boundLines.join('\n')}\n(${((Date.now() - started) / 1000).toFixed(1)} s)`,
    data: {
      setup: {
        deployments,
        seed,
        requestsPerSecond: REQUESTS_PER_SECOND,
        lowTrafficRequestsPerSecond: LOW_TRAFFIC_REQUESTS_PER_SECOND,
        blueErrorRate: BLUE_ERROR_RATE,
        blueP99Ms: BLUE_P99_MS,
        gates: Object.fromEntries(gates),
        scenarios: SCENARIOS,
      },
      results: rows,
      targets,
      passingBounds: bounds,
      allTargetsMet: targets.every((t) => t.met),
      elapsedMs: Date.now() - started,
    },
  };
}
