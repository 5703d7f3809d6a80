/** `greenlight plan`: the dry run's answer (shared/domain/dry-run.ts, DryRunPlan) as text. */
import type { DryRunPlan, FieldChange } from '../shared/domain/dry-run';
import { textTable } from './text-table';

const duration = (seconds: number) => {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0
    ? `${h} h ${String(m).padStart(2, '0')} min`
    : m > 0
      ? `${m} min ${String(s).padStart(2, '0')} s`
      : `${s} s`;
};

const value = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** One diff line per changed field: `- path: old` / `+ path: new`, like a unified diff. */
export function changeLines(changes: readonly FieldChange[]): string[] {
  return changes.flatMap((c) => [
    ...('before' in c ? [`- ${c.path}: ${value(c.before)}`] : []),
    ...('after' in c ? [`+ ${c.path}: ${value(c.after)}`] : []),
  ]);
}

/** The plan as a report: verdict first, then what was read, the diff, the steps and the budgets. */
export function formatPlan(plan: DryRunPlan): string {
  const out: string[] = [];
  out.push(
    plan.wouldStart
      ? `plan: ${plan.service} (cluster ${plan.cluster}) would deploy ${plan.image} — nothing was changed`
      : `plan: ${plan.service} (cluster ${plan.cluster}) would be REFUSED — nothing was changed`,
  );
  for (const refusal of plan.refusals) out.push(`  refused  ${refusal}`);
  out.push('');
  const colors =
    plan.liveColor && plan.newColor
      ? `${plan.liveColor} live → ${plan.newColor} new${plan.desiredCount !== null ? `, brought up to ${plan.desiredCount} task(s)` : ''}`
      : 'no single live color';
  out.push(`colors     ${colors}`);
  if (plan.weights) out.push(`weights    blue ${plan.weights.blue} % / green ${plan.weights.green} %`);
  if (plan.testWeights)
    out.push(`test route blue ${plan.testWeights.blue} % / green ${plan.testWeights.green} %`);
  for (const color of ['blue', 'green'] as const) {
    const slot = plan.slots[color];
    if (slot)
      out.push(
        `${color.padEnd(10)} ${slot.service}: ${slot.runningCount}/${slot.desiredCount} running on ${slot.taskDefinition ?? '(no task definition)'}; scaling ${plan.scaling[color] ?? '(not read)'}`,
      );
  }
  out.push(
    `alarms     ${plan.alarms.length === 0 ? 'none in the spec' : plan.alarms.map((a) => `${a.name} (${a.state})`).join(', ')}`,
  );
  out.push('');
  if (plan.taskDefinition) {
    out.push(`task definition: a new revision copied from ${plan.taskDefinition.from}`);
    const lines = changeLines(plan.taskDefinition.changes);
    out.push(
      ...(lines.length > 0 ? lines.map((l) => `  ${l}`) : ['  (no change: the image is the one running)']),
    );
    out.push('');
  }
  const rows = plan.steps.map((s) => [
    s.phase === 'bake' ? 'bake' : String(s.number),
    `${s.weight} %`,
    duration(s.holdSeconds),
    `${s.gate.mode}, every ${s.gate.intervalSeconds} s, timeout ${duration(s.gate.stepTimeoutSeconds)}`,
    `5xx ≤ ${(s.gate.maxErrorRate * 100).toFixed(2)} %, p99 ≤ ${s.gate.maxP99Ms} ms, ≥ ${s.gate.minRequests} req`,
    s.approval ? 'yes' : '',
  ]);
  out.push(textTable(['step', 'weight', 'hold', 'gate', 'limits', 'approval'], rows));
  out.push('');
  out.push(
    `worst case ${duration(plan.worstCaseSeconds)} (every wait to its deadline; at most ${duration(plan.executionBudgetSeconds)} allowed), lock lease ${duration(plan.lockLeaseSeconds)}`,
  );
  const share = ((plan.historyEvents.worstCase / plan.historyEvents.budget) * 100).toFixed(1);
  out.push(
    `history    ${plan.historyEvents.worstCase} of ${plan.historyEvents.budget} Step Functions history events at most (${share} %)`,
  );
  return `${out.join('\n')}\n`;
}
