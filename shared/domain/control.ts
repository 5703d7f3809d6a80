/**
 * Manual control of a running deployment: which commands a deployment accepts now, and what an
 * approval leaves on its record. The workflow reads the commands at its next gate evaluation
 * (manualControl in deployment.ts).
 */
import { manualControl, type DeploymentRecord, type ManualAction } from './deployment';

type ControlledRecord = Pick<DeploymentRecord, 'id' | 'status' | 'currentStep' | 'spec'>;

/**
 * Why `action` cannot be applied to the deployment now, or null when it can. A finished
 * deployment takes no command; an approval needs a current plan step, and one that waits for an
 * approval when the record knows its plan (approving a step that needs none would do nothing now
 * and nothing later: the reason says which later step will wait).
 */
export function controlRefusal(record: ControlledRecord, action: ManualAction): string | null {
  if (record.status !== 'IN_PROGRESS') {
    return `deployment ${record.id} has already ended (${record.status}): nothing to ${action}`;
  }
  if (action !== 'approve') return null;
  const controller = record.spec?.controller ?? 'greenlight';
  if (controller !== 'greenlight') {
    // Driven plans have no approval steps (refused by the mapping); the controller's own waits
    // (CodeDeploy's READY_WAIT or termination wait, an ECS PAUSE hook) end with promote.
    return `deployment ${record.id} is driven by ${controller}, whose plan has no approval steps: a wait it is held at (CodeDeploy's READY_WAIT, an ECS PAUSE hook) ends with promote`;
  }
  const step = record.currentStep;
  if (!step || step.phase !== 'step')
    return `deployment ${record.id} is not at a plan step: nothing to approve`;
  const steps = record.spec?.plan.steps;
  if (steps && !steps[step.index]?.approval) {
    const later = steps.flatMap((s, i) => (s.approval && i > step.index ? [i + 1] : []));
    return (
      `deployment ${record.id} is at step ${step.index + 1}, which needs no approval` +
      (later.length > 0
        ? `; step ${later.join(', ')} will wait for one: approve when it does`
        : ': nothing to approve')
    );
  }
  return null;
}

/** The record's approved steps once step `index` is approved: each step once. */
export function withApproval(approvedSteps: readonly number[] | undefined, index: number): number[] {
  return [...new Set([...(approvedSteps ?? []), index])];
}

/** True while the deployment's current plan step waits for an approval not given yet. */
export function awaitsApproval(
  record: Pick<DeploymentRecord, 'status' | 'currentStep' | 'spec' | 'control' | 'approvedSteps'>,
): boolean {
  const step = record.currentStep;
  if (record.status !== 'IN_PROGRESS' || !step || step.phase !== 'step') return false;
  const approval = record.spec?.plan.steps[step.index]?.approval === true;
  return manualControl(record, { ...step, approval }).awaitingApproval === true;
}
