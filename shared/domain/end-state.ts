/**
 * The workflow document as it reaches Finish (Promoted / RolledBack / Rejected / RollbackFailed):
 * one schema for it, and the facts about the deployment read from it. Its shape depends on where
 * the workflow ended (a rejected request may carry an invalid spec and no deployment context), so
 * every field is read on its own and what cannot be read is left out, never refused.
 */
import { z } from 'zod';
import { DeploymentIdSchema, type DeploymentError, type Outcome } from './deployment';
import { retireWarning } from './deployment-message';
import { SpecSchema } from './spec';

export const OUTCOMES = [
  'PROMOTED',
  'ROLLED_BACK',
  'REJECTED',
  'ROLLBACK_FAILED',
] as const satisfies readonly Outcome[];

/** What a Step Functions `Catch` puts at its ResultPath. */
export const StepErrorSchema = z.object({ Error: z.string(), Cause: z.unknown().optional() }).loose();
export type StepError = z.infer<typeof StepErrorSchema>;

/** The human message inside a Step Functions error: Lambda wraps it as JSON with errorMessage. */
export function describeStepError(error: StepError | undefined): DeploymentError | undefined {
  if (!error) return undefined;
  let cause = typeof error.Cause === 'string' ? error.Cause : JSON.stringify(error.Cause ?? '');
  try {
    const parsed: unknown = JSON.parse(cause);
    if (parsed && typeof parsed === 'object' && 'errorMessage' in parsed) cause = String(parsed.errorMessage);
    else if (Array.isArray(parsed)) cause = parsed.map(String).join('; ');
  } catch {
    // Not JSON: the cause is already a message.
  }
  return { error: error.Error, cause };
}

/** A non-empty string, or undefined for anything else. */
const Text = z.string().min(1).optional().catch(undefined);

/**
 * A caught error, described: `undefined` when absent (or null), `null` when present but not a
 * Step Functions error (it still takes the place of another error).
 */
const CaughtErrorSchema = z
  .union([
    z.null().transform(() => undefined),
    StepErrorSchema.transform((error) => describeStepError(error) ?? null),
  ])
  .optional()
  .catch(null);

/** The service and cluster of the spec: from the valid spec, else from what can be read of it. */
const SpecNamesSchema = z
  .union([
    SpecSchema.transform(({ service, cluster }) => ({ service, cluster })),
    z.object({ service: Text, cluster: Text }),
  ])
  .catch({});

export const EndStateSchema = z.object({
  /** Prepare's context; absent when the workflow ended before (or in) Prepare. */
  deployment: z
    .object({
      id: DeploymentIdSchema,
      image: z.string(),
      // Absent for a deployment another controller shifts (controller codedeploy | ecs).
      liveColor: z.string().optional(),
      newColor: z.string().optional(),
      startedAt: z.number(),
    })
    .optional()
    .catch(undefined),
  /** The request's own fields, for a request Prepare rejected. */
  deploymentId: DeploymentIdSchema.optional().catch(undefined),
  image: Text,
  requestedBy: Text,
  spec: SpecNamesSchema,
  /** The plan step in progress when the workflow left the plan. */
  step: z
    .object({ phase: z.enum(['step', 'bake']), index: z.number(), weight: z.number() })
    .optional()
    .catch(undefined),
  error: CaughtErrorSchema,
  /** Rollback's restore-traffic result: present once all traffic was read back on the live color. */
  rollback: z
    .object({ weights: z.object({ blue: z.number(), green: z.number() }) })
    .optional()
    .catch(undefined),
  rollbackError: CaughtErrorSchema,
  retireError: CaughtErrorSchema,
  /** The external controller's deployment (controller codedeploy | ecs), once one was started. */
  external: z
    .object({ controller: z.enum(['codedeploy', 'ecs']), deploymentId: z.string().min(1) })
    .optional()
    .catch(undefined),
});
export type EndState = z.output<typeof EndStateSchema>;

/** Finish's input: the outcome the state names, and the whole workflow document. */
export const FinishInputSchema = z.object({ outcome: z.enum(OUTCOMES), state: EndStateSchema });

/** How a deployment ended, as far as its end state tells. */
export interface DeploymentEnd {
  outcome: Outcome;
  id?: string;
  service?: string;
  cluster?: string;
  image: string;
  requestedBy: string;
  /** The colors Prepare chose; absent when it never did. */
  colors?: { live: string; new: string };
  startedAt?: number;
  /** Why it did not promote: the rollback's own error after a failed rollback. */
  error?: DeploymentError;
  /** Something that went wrong without changing the outcome (the old color not scaled down). */
  warning?: string;
  lastStep?: { phase: 'step' | 'bake'; index: number; weight: number };
  /**
   * A failed rollback only: whether all traffic was read back on the live color before it failed
   * (the new color's scale-down failed, not the traffic's return).
   */
  trafficRestored?: boolean;
  /** What the end did with Application Auto Scaling, when the outcome message must say it. */
  scalingNote?: string;
  /** The controller that shifted the traffic (controller codedeploy | ecs) and its deployment. */
  external?: { controller: 'codedeploy' | 'ecs'; deploymentId: string };
}

/** The facts of a deployment's end from its parsed end state. */
export function readEndState(outcome: Outcome, state: EndState): DeploymentEnd {
  const { deployment } = state;
  const caught =
    outcome === 'ROLLBACK_FAILED' && state.rollbackError !== undefined ? state.rollbackError : state.error;
  const error = caught ?? undefined;
  const warning = state.retireError ? retireWarning(state.retireError) : undefined;
  const id = deployment ? deployment.id : state.deploymentId;
  return {
    outcome,
    ...(id !== undefined ? { id } : {}),
    ...(state.spec.service !== undefined ? { service: state.spec.service } : {}),
    ...(state.spec.cluster !== undefined ? { cluster: state.spec.cluster } : {}),
    image: deployment ? deployment.image : (state.image ?? 'unknown'),
    requestedBy: state.requestedBy ?? 'unknown',
    ...(deployment?.liveColor && deployment.newColor
      ? { colors: { live: deployment.liveColor, new: deployment.newColor } }
      : {}),
    ...(deployment ? { startedAt: deployment.startedAt } : {}),
    ...(error ? { error } : {}),
    ...(warning ? { warning } : {}),
    ...(state.step ? { lastStep: state.step } : {}),
    ...(state.external ? { external: state.external } : {}),
    ...(outcome === 'ROLLBACK_FAILED' ? { trafficRestored: trafficBackOnLive(state) } : {}),
  };
}

/** Whether Rollback read back 100 % on the live color (its restore-traffic phase returned). */
function trafficBackOnLive(state: EndState): boolean {
  const weights = state.rollback?.weights;
  const live = state.deployment?.liveColor;
  return weights !== undefined && (live === 'blue' || live === 'green') && weights[live] === 100;
}

/**
 * What a failed rollback does with Application Auto Scaling, suspended on both colors since
 * Prepare. Traffic back on the live color (only the new color's scale-down failed): the live
 * color gets its configuration back, as after a rollback. Otherwise it stays suspended on purpose:
 * resumed scaling could shrink the live color while it serves part of the traffic, just before an
 * operator sends all of it back. Null when there is nothing to say (no scalable target saved).
 */
export function failedRollbackScaling(
  end: Pick<DeploymentEnd, 'outcome' | 'trafficRestored' | 'colors'>,
  savedLive: string | null,
): { restore: boolean; note: string } | null {
  if (end.outcome !== 'ROLLBACK_FAILED' || !end.colors || savedLive === null) return null;
  const live = end.colors.live;
  if (end.trafficRestored) {
    return { restore: true, note: `${live} scaling restored (${savedLive}); traffic is back on ${live}` };
  }
  return {
    restore: false,
    note:
      `Application Auto Scaling is left suspended on both colors, so ${live} keeps its size to take all traffic back; ` +
      `once traffic is on one color, restore that color's scalable target to: ${savedLive}`,
  };
}
