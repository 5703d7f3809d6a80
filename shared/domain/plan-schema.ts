/** The plan as users write it: a preset or explicit steps, each step's gate overrides. */
import { z } from 'zod';
import { GateOverridesSchema, type Gate } from './gate/gate-schema';
import { secondsSchema } from './validation';

export const StepSchema = z
  .object({
    /** Percent of production traffic on the new color during this step (promotion to 100 follows the last step). */
    weight: z
      .number()
      .int()
      .min(1, 'expected 1 to 99 (promotion to 100 follows the last step)')
      .max(99, 'expected 1 to 99 (promotion to 100 follows the last step)'),
    /** Least time at this weight, even when the gate passes earlier. */
    holdSeconds: secondsSchema(86_400).default(0),
    /** Gate settings that differ from the spec's gate for this step. */
    gate: GateOverridesSchema.optional(),
    /** Once the gate has passed and the hold elapsed, wait for a person to approve this step. */
    approval: z.boolean().optional(),
  })
  .strict();

/** Discriminated on `preset` (absent: custom) so a bad plan's issues name the field, not just `plan`. */
export const PlanSchema = z.discriminatedUnion('preset', [
  z.object({ preset: z.literal('all-at-once') }).strict(),
  /** CodeDeployDefault.ECSCanary10Percent5Minutes: 10 % for 5 minutes judged at the end (fixed window), then 100 %. */
  z.object({ preset: z.literal('codedeploy-canary-10-5') }).strict(),
  z
    .object({
      preset: z.literal('canary'),
      weights: z.array(z.number().int().min(1).max(99)).min(1).max(20).default([5, 25]),
      holdSeconds: secondsSchema(86_400).default(60),
    })
    .strict(),
  z
    .object({
      preset: z.literal('linear'),
      /** Equal increments up to 100 %, e.g. 4 → 25, 50, 75, then promotion. */
      increments: z.number().int().min(2).max(20).default(4),
      holdSeconds: secondsSchema(86_400).default(60),
    })
    .strict(),
  z
    .object({
      preset: z.literal('custom').optional(),
      steps: z.array(StepSchema).max(50),
    })
    .strict(),
]);
export type PlanInput = z.input<typeof PlanSchema>;

export interface PlanStep {
  weight: number;
  holdSeconds: number;
  gate: Gate;
  approval?: true;
}
