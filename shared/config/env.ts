/** Lambda environment, validated once per container. */
import { z } from 'zod';
import { parseInput } from '../domain/validation';

export const DeployEnvSchema = z.object({
  /** The DynamoDB table of locks, deployment records and history. */
  TABLE_NAME: z.string().min(1),
  /** The SNS topic deployment notifications go to. */
  TOPIC_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/, 'expected an SNS topic ARN'),
});
export type DeployEnv = z.output<typeof DeployEnvSchema>;

/** Reads and validates the deploy functions' environment; throws naming each missing variable. */
export function deployEnv(env: NodeJS.ProcessEnv = process.env): DeployEnv {
  return parseInput(DeployEnvSchema, env, 'env');
}

/** StartExternal also needs the pattern of the other hooks' roles it may pass to ECS. */
export const StartExternalEnvSchema = DeployEnvSchema.extend({
  /** The stage parameter ecsOtherHookRolePattern: role names (IAM wildcards) of other teams' ECS hooks. */
  ECS_OTHER_HOOK_ROLE_PATTERN: z.string().min(1),
});
export type StartExternalEnv = z.output<typeof StartExternalEnvSchema>;

/** Reads and validates StartExternal's environment. */
export function startExternalEnv(env: NodeJS.ProcessEnv = process.env): StartExternalEnv {
  return parseInput(StartExternalEnvSchema, env, 'env');
}

export const ReconcileEnvSchema = DeployEnvSchema.extend({
  /** The blue/green state machine whose executions reconcile inspects. */
  STATE_MACHINE_ARN: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]+$/,
      'expected a state machine ARN',
    ),
});
export type ReconcileEnv = z.output<typeof ReconcileEnvSchema>;

/** Reads and validates the reconcile function's environment. */
export function reconcileEnv(env: NodeJS.ProcessEnv = process.env): ReconcileEnv {
  return parseInput(ReconcileEnvSchema, env, 'env');
}

/** The deploy API starts executions of the state machine and reads the table; it sends no notification. */
export const ApiEnvSchema = ReconcileEnvSchema.pick({ TABLE_NAME: true, STATE_MACHINE_ARN: true });
export type ApiEnv = z.output<typeof ApiEnvSchema>;

/** Reads and validates the API function's environment. */
export function apiEnv(env: NodeJS.ProcessEnv = process.env): ApiEnv {
  return parseInput(ApiEnvSchema, env, 'env');
}

/** The CodePipeline trigger starts executions of the state machine and reads deployment records. */
export const PipelineEnvSchema = ReconcileEnvSchema.pick({ TABLE_NAME: true, STATE_MACHINE_ARN: true });
export type PipelineEnv = z.output<typeof PipelineEnvSchema>;

/** Reads and validates the pipeline function's environment. */
export function pipelineEnv(env: NodeJS.ProcessEnv = process.env): PipelineEnv {
  return parseInput(PipelineEnvSchema, env, 'env');
}

/** The report function only reads the table. */
export const ReportEnvSchema = DeployEnvSchema.pick({ TABLE_NAME: true });
export type ReportEnv = z.output<typeof ReportEnvSchema>;

/** Reads and validates the report function's environment. */
export function reportEnv(env: NodeJS.ProcessEnv = process.env): ReportEnv {
  return parseInput(ReportEnvSchema, env, 'env');
}
