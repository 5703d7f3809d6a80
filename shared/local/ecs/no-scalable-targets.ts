/**
 * Application Auto Scaling in the rehearsal: not modelled. The local services have no scalable
 * target, as an ECS service without service auto scaling has none, so a deployment reads none and
 * writes none; nothing scales the local processes but the deployment itself. What AWS would do
 * (target tracking shrinking a color at 5 %, a minimum raising a retired color) is covered by the
 * in-memory double (test/support/memory-ports.ts) and named in the README.
 */
import type { SlotRef } from '../../ports/fleet';
import type { Scaling, ScalingConfig } from '../../ports/scaling';

export class NoScalableTargets implements Scaling {
  async read(_slot: SlotRef): Promise<ScalingConfig | null> {
    return null;
  }
  async suspend(slot: SlotRef): Promise<void> {
    throw unsupported(slot);
  }
  async restore(slot: SlotRef): Promise<void> {
    throw unsupported(slot);
  }
  async holdAtZero(slot: SlotRef): Promise<void> {
    throw unsupported(slot);
  }
}

/** Only a target that was read can be written, and none is: a write is a bug in the caller. */
function unsupported(slot: SlotRef): Error {
  return new Error(
    `the rehearsal has no scalable target for ${slot.service}: Auto Scaling is not modelled locally`,
  );
}
