/** The environment of the deploy API's schedule routes, validated once per container. */
import { z } from 'zod';
import { parseInput } from '../domain/validation';
import { DeployEnvSchema } from './env';

export const SchedulesApiEnvSchema = z.object({
  /** The run ledger's table (the deployments' table). */
  TABLE_NAME: z.string().min(1),
  /** Greenlight's EventBridge Scheduler schedule group. */
  SCHEDULE_GROUP: z.string().regex(/^[0-9a-zA-Z_.-]{1,64}$/, 'expected a schedule group name'),
  /** The scheduled-task state machine: every schedule's target and the manual runs. */
  SCHEDULED_TASK_STATE_MACHINE_ARN: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]+$/,
      'expected a state machine ARN',
    ),
  /** SchedulerRole, passed to Scheduler as every schedule's execution role. */
  SCHEDULER_ROLE_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'expected an IAM role ARN'),
  /** The schedules' dead-letter queue. */
  SCHEDULES_DLQ_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/, 'expected an SQS queue ARN'),
});
export type SchedulesApiEnv = z.output<typeof SchedulesApiEnvSchema>;

/** Reads and validates the schedule routes' environment; throws naming each missing variable. */
export function schedulesApiEnv(env: NodeJS.ProcessEnv = process.env): SchedulesApiEnv {
  return parseInput(SchedulesApiEnvSchema, env, 'env');
}

/** The missed-run reconcile reads the schedules as the API does, and alerts on the topic. */
export const MissedRunsEnvSchema = SchedulesApiEnvSchema.merge(DeployEnvSchema.pick({ TOPIC_ARN: true }));
export type MissedRunsEnv = z.output<typeof MissedRunsEnvSchema>;

/** Reads and validates the missed-run reconcile's environment; throws naming each missing variable. */
export function missedRunsEnv(env: NodeJS.ProcessEnv = process.env): MissedRunsEnv {
  return parseInput(MissedRunsEnvSchema, env, 'env');
}
