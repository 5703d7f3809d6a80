/** The fixed-window rule (CodeDeploy-like): thresholds on the whole window, no comparison. */
import type { Gate } from './gate-schema';
import type { GateVerdict, TargetHealth, TrafficWindow } from './verdict';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** Judges the new color's window against the thresholds only. Too little traffic never passes. */
export function evaluateFixedWindow(gate: Gate, traffic: TrafficWindow, health: TargetHealth): GateVerdict {
  const failures: string[] = [];
  if (health.healthy < gate.minHealthyTargets) {
    failures.push(`healthy targets ${health.healthy} < ${gate.minHealthyTargets} required`);
  }
  if (traffic.requests >= gate.minRequests) {
    const errorRate = traffic.errors / traffic.requests;
    if (errorRate > gate.maxErrorRate) {
      failures.push(
        `5xx rate ${pct(errorRate)} > ${pct(gate.maxErrorRate)} (${traffic.errors} of ${traffic.requests} requests)`,
      );
    }
    if (traffic.p99Ms !== null && traffic.p99Ms > gate.maxP99Ms) {
      failures.push(`p99 latency ${Math.round(traffic.p99Ms)} ms > ${gate.maxP99Ms} ms`);
    }
  }
  if (failures.length > 0) return { verdict: 'fail', reasons: failures };
  if (traffic.requests < gate.minRequests) {
    return {
      verdict: 'inconclusive',
      reasons: [`${traffic.requests} requests < ${gate.minRequests} needed for a verdict`],
    };
  }
  const errorRate = traffic.errors / traffic.requests;
  const p99 = traffic.p99Ms === null ? 'n/a' : `${Math.round(traffic.p99Ms)} ms`;
  return {
    verdict: 'pass',
    reasons: [
      `5xx rate ${pct(errorRate)} ≤ ${pct(gate.maxErrorRate)}, p99 ${p99} ≤ ${gate.maxP99Ms} ms over ${traffic.requests} requests`,
    ],
  };
}
