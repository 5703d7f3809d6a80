/** The stopped-task alert function's environment, validated once per container. */
import { z } from 'zod';
import { DEFAULT_ALERT_POLICY, type AlertPolicy } from '../domain/alerts/policy';
import { parseInput } from '../domain/validation';

/** A comma-separated list; blanks dropped. */
const list = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  );

const flag = z
  .preprocess(
    (v) => (typeof v === 'string' ? v.trim().toLowerCase() : v),
    z.enum(['true', 'false', '1', '0', '']).optional(),
  )
  .transform((value) => value === 'true' || value === '1');

const integer = (min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return fallback;
      const n = Number(value);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({
          code: 'custom',
          message: `expected an integer from ${min} to ${max}, got "${value}"`,
        });
        return z.NEVER;
      }
      return n;
    });

/** The policy variables: also read by `greenlight alerts explain`, which needs no table or topic. */
export const AlertPolicyEnvSchema = z.object({
  /** Cluster names or ARNs to alert on (comma-separated); empty: every cluster the rule delivers. */
  ALERT_CLUSTERS: list,
  /** Environment override names whose values may be published (comma-separated, `PREFIX*` allowed). */
  ALERT_ENV_ALLOWLIST: list,
  /** `true` to alert on expected stops (scale-in, deployments, StopTask, finished tasks). */
  ALERT_INCLUDE_EXPECTED: flag,
  /** Crash-loop window length. */
  ALERT_WINDOW_MINUTES: integer(1, 24 * 60, DEFAULT_ALERT_POLICY.windowMs / 60_000),
  /** Stops in a window that send the first digest (then 10×, 100×, ...). */
  ALERT_DIGEST_THRESHOLD: integer(2, 100_000, DEFAULT_ALERT_POLICY.digestThreshold),
});

export const AlertsEnvSchema = AlertPolicyEnvSchema.extend({
  /** The Greenlight table (alert dedupe and windows; deployment locks for enrichment). */
  TABLE_NAME: z.string().min(1),
  /** The SNS topic alerts go to (standard or FIFO). */
  TOPIC_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+(?:\.fifo)?$/, 'expected an SNS topic ARN'),
});
export type AlertsEnv = z.output<typeof AlertsEnvSchema>;

/** Reads and validates the alert function's environment; throws naming each bad variable. */
export function alertsEnv(env: NodeJS.ProcessEnv = process.env): AlertsEnv {
  return parseInput(AlertsEnvSchema, env, 'env');
}

/** The alert policy from validated policy variables. */
export function alertPolicy(env: z.output<typeof AlertPolicyEnvSchema>): AlertPolicy {
  return {
    ...DEFAULT_ALERT_POLICY,
    clusters: env.ALERT_CLUSTERS,
    envAllowList: env.ALERT_ENV_ALLOWLIST,
    includeExpected: env.ALERT_INCLUDE_EXPECTED,
    windowMs: env.ALERT_WINDOW_MINUTES * 60_000,
    digestThreshold: env.ALERT_DIGEST_THRESHOLD,
  };
}

/** The policy from an environment holding only the policy variables (the CLI's). */
export function alertPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): AlertPolicy {
  return alertPolicy(parseInput(AlertPolicyEnvSchema, env, 'env'));
}
