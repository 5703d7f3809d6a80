/**
 * `POST /deployments` with `"dryRun": true`: the request is validated like a deployment and
 * answered with what Prepare would decide (functions/deploy/dry-run.ts); no execution starts and
 * no lock is taken.
 */
import { z } from 'zod';
import { dryRunDeployment, type DryRunDeps } from '../deploy/dry-run';
import type { DryRunPlan } from '../../shared/domain/dry-run';
import { parseInput } from '../../shared/domain/validation';
import { NotFoundError } from './http';

const DryRunFlag = z.looseObject({
  /** Plan only: answer with what the deployment would do, change nothing. */
  dryRun: z.boolean().optional(),
});

/** The body's `dryRun` flag (400 naming `dryRun` when it is not a boolean), and the request without it. */
export function splitDryRun(body: unknown): { dryRun: boolean; request: unknown } {
  if (body === null || typeof body !== 'object' || Array.isArray(body) || !Object.hasOwn(body, 'dryRun')) {
    return { dryRun: false, request: body };
  }
  const { dryRun } = parseInput(DryRunFlag, body);
  const { dryRun: _flag, ...request } = body as Record<string, unknown>;
  return { dryRun: dryRun === true, request };
}

/** The dry run of `request`; 404 when this API was built without the account's read adapters. */
export async function planDeployment(
  deps: { dryRun?: Omit<DryRunDeps, 'deployments'> | undefined } & Pick<DryRunDeps, 'deployments'>,
  request: unknown,
): Promise<{ dryRun: true; plan: DryRunPlan }> {
  if (!deps.dryRun) throw new NotFoundError('dry runs are not available on this API');
  return {
    dryRun: true,
    plan: await dryRunDeployment({ ...deps.dryRun, deployments: deps.deployments }, request),
  };
}
