/**
 * Who moves the traffic of a deployment. `greenlight` (the default) is Greenlight's own two-service
 * path; `codedeploy` and `ecs` hand the traffic shift to CodeDeploy (a service whose deployment
 * controller is CODE_DEPLOY) or to ECS's built-in blue/green, linear or canary strategies, with
 * Greenlight's gate registered as their lifecycle hook. What each controller needs to be driven is
 * its own section of the spec; which plans each can express is in codedeploy-plan.ts / ecs-plan.ts.
 */
import { z } from 'zod';

export const CONTROLLERS = ['greenlight', 'codedeploy', 'ecs'] as const;
export type Controller = (typeof CONTROLLERS)[number];

/** CodeDeploy application and deployment group names: 1–100 characters (CodeDeploy's limit). */
const codeDeployName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_.+=,@-]+$/, 'expected a CodeDeploy name (letters, digits and _.+=,@- only)');

/** A Lambda function name or ARN (an AppSpec hook may name either). */
const lambdaFunction = z
  .string()
  .min(1)
  .max(170)
  .regex(
    /^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]+)?$/,
    'expected a Lambda function name or ARN',
  );

const lambdaArn = z
  .string()
  .max(170)
  .regex(
    /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]+)?$/,
    'expected a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME)',
  );

const roleArn = z
  .string()
  .max(2048)
  .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9_+=,.@/-]{1,512}$/, 'expected an IAM role ARN');

const ecsName = z
  .string()
  .min(1)
  .max(2048)
  .regex(/^[A-Za-z0-9_.:/@+=,-]+$/, 'expected a name or ARN (letters, digits and _.:/@+=,- only)');

export const CodeDeployControllerSchema = z
  .object({
    application: codeDeployName,
    deploymentGroup: codeDeployName,
    /**
     * Greenlight's CodeDeploy hook function, named in the AppSpec's Hooks: it judges the test
     * traffic (AfterAllowTestTraffic) and the bake at 100 % (AfterAllowTraffic).
     */
    hookFunction: lambdaFunction,
    /**
     * CodeDeploy invokes no hook between its traffic shifts, so the steps of a canary or linear
     * plan are watched by the deployment group's alarms only, never by Greenlight's gate. A stepped
     * plan is refused unless this says so explicitly.
     */
    allowUnjudgedSteps: z.boolean().default(false),
  })
  .strict();
export type CodeDeployController = z.output<typeof CodeDeployControllerSchema>;

export const EcsControllerSchema = z
  .object({
    /** The ECS service whose deployment controller is ECS (in the spec's cluster). */
    service: ecsName,
    /** Greenlight's ECS hook function (the stack's EcsHookFunctionArn). */
    hookFunctionArn: lambdaArn,
    /** The role ECS assumes to invoke the hook (the stack's EcsHookInvokeRoleArn). */
    hookRoleArn: roleArn,
    /**
     * ECS rolls back a hook still IN_PROGRESS after this long (ECS's default 1,440); it must outlast
     * the longest watch, which the spec checks.
     */
    hookTimeoutMinutes: z.number().int().min(1).max(1440).default(1440),
  })
  .strict();
export type EcsController = z.output<typeof EcsControllerSchema>;

/** Issues of the controller sections: the chosen controller's is required, another's is refused. */
export function controllerSectionIssues(spec: {
  controller: Controller;
  codedeploy?: unknown;
  ecs?: unknown;
}): { path: string[]; message: string }[] {
  const issues: { path: string[]; message: string }[] = [];
  for (const section of ['codedeploy', 'ecs'] as const) {
    const present = spec[section] !== undefined;
    if (spec.controller === section && !present) {
      issues.push({ path: [section], message: `required when controller is ${section}` });
    }
    if (spec.controller !== section && present) {
      issues.push({
        path: [section],
        message: `only read when controller is ${section} (controller is ${spec.controller})`,
      });
    }
  }
  return issues;
}
