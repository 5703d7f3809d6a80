/**
 * The schedule's guard (a lease in the run ledger) against overlapping runs: AcquireGuard,
 * TakeOverGuard (overlap: replace, once the holder's task is asked to stop) and ReleaseGuard.
 * Release reads the whole state, since it runs on every path, errors included.
 */
import { z } from 'zod';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import type { ScheduleDeps } from './context';

const ScheduleRunSchema = z.object({
  schedule: z.string().min(1),
  runId: z.string().min(1),
  leaseSeconds: z.number().int().positive(),
});

const GuardInputSchema = z.discriminatedUnion('action', [
  ScheduleRunSchema.extend({ action: z.literal('acquire') }),
  ScheduleRunSchema.extend({ action: z.literal('takeover'), from: z.string().min(1) }),
  z.object({
    action: z.literal('release'),
    /** The whole workflow state: the run may be unknown if the first step failed. */
    state: z.object({ run: z.object({ schedule: z.string(), runId: z.string() }).optional() }).passthrough(),
  }),
]);

export type GuardOutput =
  | { acquired: true; expiresAt: number }
  | { acquired: false; heldBy: string; heldTask: string | null; expiresAt: number }
  | { released: boolean };

type Deps = Pick<ScheduleDeps, 'ledger' | 'clock' | 'logger'>;

export async function guard(deps: Deps, event: unknown): Promise<GuardOutput> {
  const input = parseInput(GuardInputSchema, event);
  const now = deps.clock.now();
  switch (input.action) {
    case 'acquire': {
      const result = await deps.ledger.acquireGuard(
        input.schedule,
        input.runId,
        input.leaseSeconds * 1000,
        now,
      );
      if (result.acquired) return result;
      return {
        acquired: false,
        heldBy: result.holder.runId,
        heldTask: result.holder.taskArn ?? null,
        expiresAt: result.holder.expiresAt,
      };
    }
    case 'takeover': {
      const taken = await deps.ledger.takeOverGuard(
        input.schedule,
        input.from,
        input.runId,
        input.leaseSeconds * 1000,
        now,
      );
      return taken
        ? { acquired: true, expiresAt: now + input.leaseSeconds * 1000 }
        : { acquired: false, heldBy: input.from, heldTask: null, expiresAt: now };
    }
    case 'release': {
      const run = input.state.run;
      if (!run) return { released: false };
      return { released: await deps.ledger.releaseGuard(run.schedule, run.runId) };
    }
  }
}

export const createGuardHandler = (deps: Deps) =>
  lambdaHandler(deps.logger, (event: unknown) => guard(deps, event));
