/** Synthetic HTTP probes: pure judgement of one round of results into a gate verdict. */
import type { GateVerdict } from './verdict';
import type { ProbesConfig } from './probes-schema';

/** What one probe saw. */
export interface ProbeResult {
  /** HTTP status, or null when no response arrived (`error` says why). */
  status: number | null;
  /** Time to the whole response (headers and body), or to the failure. */
  latencyMs: number;
  /** The start of the body, read only when the config asks for `bodyContains`. */
  body?: string;
  /** Why no response arrived: `timeout after 3000 ms`, `ECONNREFUSED`, ... */
  error?: string;
}

/** Why a probe failed, in the order checked: the first that applies is the one reported. */
export type ProbeFailure =
  | { kind: 'no-response'; error: string }
  | { kind: 'status'; status: number }
  | { kind: 'body' }
  | { kind: 'latency'; latencyMs: number };

/** A round of probes in numbers, small enough for the workflow document and the history. */
export interface ProbeSummary {
  requests: number;
  failed: number;
  /** Slowest response, null when there was none. */
  maxLatencyMs: number | null;
  /** Count of each status seen (`none` for no response). */
  statuses: Record<string, number>;
}

/** Why `result` fails `config`'s expectations, or null when it passes. */
export function probeFailure(config: ProbesConfig, result: ProbeResult): ProbeFailure | null {
  if (result.status === null) return { kind: 'no-response', error: result.error ?? 'no response' };
  if (!config.expectStatus.includes(result.status)) return { kind: 'status', status: result.status };
  if (config.bodyContains !== undefined && !(result.body ?? '').includes(config.bodyContains)) {
    return { kind: 'body' };
  }
  if (result.latencyMs > config.maxLatencyMs) return { kind: 'latency', latencyMs: result.latencyMs };
  return null;
}

const ms = (x: number) => `${Math.round(x)} ms`;

/** Failures grouped into phrases: `2× status 503 (expected 200)`, `1× 2150 ms > 2000 ms`. */
function describeFailures(config: ProbesConfig, failures: ProbeFailure[]): string[] {
  const expected = `expected ${config.expectStatus.join(' or ')}`;
  const groups = new Map<string, { count: number; phrase: (count: number) => string }>();
  const add = (key: string, phrase: (count: number) => string) => {
    const group = groups.get(key) ?? { count: 0, phrase };
    group.count += 1;
    groups.set(key, group);
  };
  const slow = failures.flatMap((f) => (f.kind === 'latency' ? [f.latencyMs] : []));
  for (const failure of failures) {
    switch (failure.kind) {
      case 'no-response':
        add(`error:${failure.error}`, (n) => `${n}× no response (${failure.error})`);
        break;
      case 'status':
        add(`status:${failure.status}`, (n) => `${n}× status ${failure.status} (${expected})`);
        break;
      case 'body':
        add('body', (n) => `${n}× body without ${JSON.stringify(config.bodyContains)}`);
        break;
      case 'latency':
        add('latency', (n) =>
          n === 1
            ? `1× ${ms(slow[0]!)} > ${ms(config.maxLatencyMs)}`
            : `${n}× slower than ${ms(config.maxLatencyMs)} (up to ${ms(Math.max(...slow))})`,
        );
        break;
    }
  }
  return [...groups.values()].sort((a, b) => b.count - a.count).map((g) => g.phrase(g.count));
}

/** Counts of a round: how many probes, how many failed, the slowest, the statuses. */
export function summarizeProbes(config: ProbesConfig, results: ProbeResult[]): ProbeSummary {
  const statuses: Record<string, number> = {};
  let maxLatencyMs: number | null = null;
  for (const r of results) {
    const key = r.status === null ? 'none' : String(r.status);
    statuses[key] = (statuses[key] ?? 0) + 1;
    if (r.status !== null) maxLatencyMs = Math.max(maxLatencyMs ?? 0, Math.round(r.latencyMs));
  }
  const failed = results.filter((r) => probeFailure(config, r) !== null).length;
  return { requests: results.length, failed, maxLatencyMs, statuses };
}

/**
 * Judges one round of probes: more failures than `maxFailures` fail it (however few probes ran:
 * a failed probe is evidence); otherwise fewer results than `requests` is inconclusive, never a pass.
 */
export function judgeProbes(config: ProbesConfig, results: ProbeResult[]): GateVerdict {
  const failures = results.flatMap((r) => {
    const failure = probeFailure(config, r);
    return failure ? [failure] : [];
  });
  const n = results.length;
  const detail = failures.length > 0 ? `: ${describeFailures(config, failures).join(', ')}` : '';
  if (failures.length > config.maxFailures) {
    return { verdict: 'fail', reasons: [`probes: ${failures.length} of ${n} failed${detail}`] };
  }
  if (n < config.requests) {
    return {
      verdict: 'inconclusive',
      reasons: [`probes: ${n} results < ${config.requests} needed for a verdict${detail}`],
    };
  }
  const slowest = Math.max(...results.filter((r) => !probeFailure(config, r)).map((r) => r.latencyMs));
  const tolerated =
    failures.length > 0 ? ` (${failures.length} failed, ≤ ${config.maxFailures} allowed${detail})` : '';
  return {
    verdict: 'pass',
    reasons: [
      `probes: ${n - failures.length} of ${n} passed${tolerated}, slowest ${ms(slowest)} ≤ ${ms(config.maxLatencyMs)}`,
    ],
  };
}
