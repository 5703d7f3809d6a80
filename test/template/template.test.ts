/**
 * The CloudFormation that `npm run package` builds from serverless.yml, checked offline: the state
 * machines call our functions, every function has its own least-privilege role, nothing is
 * granted on a wildcard it does not need, logs expire, the table keeps its history safe.
 *
 * Packaging runs once (about 10 s), with no AWS credentials and no ~/.aws, into a temporary folder.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';
import { DEFAULT_SERVICE, METRIC, METRICS_NAMESPACE } from '../../shared/observability/deployment-metrics';
import { API_ROUTES, REPORT_ROUTE } from '../../functions/api/routes';
import { deployStepFactories } from '../../functions/deploy/index';
import { TABLE_ATTRIBUTES, TABLE_KEY_SCHEMA, TTL_ATTRIBUTE } from '../../shared/aws/table';
import { loadStateMachine, STATE_MACHINES_DIR } from '../../shared/local/sfn/engine';

const ROOT = path.resolve(__dirname, '../..');
/** The area (folder under functions/) of every function that is not a blue/green step. */
const AREA_OF_FUNCTION: Record<string, string> = {
  reconcile: 'reconcile',
  'task-stopped': 'alerts',
  'final-tallies': 'alerts',
  pipeline: 'pipeline',
  api: 'api',
  report: 'api',
  'begin-run': 'schedules',
  'run-guard': 'schedules',
  'start-task': 'schedules',
  'check-task': 'schedules',
  'stop-task': 'schedules',
  'examine-run': 'schedules',
  'record-run': 'schedules',
  'notify-run': 'schedules',
  'ecs-hook': 'hooks',
  'reconcile-missed': 'schedules',
  'codedeploy-hook': 'hooks',
  'gate-watch-evaluate': 'hooks',
  'gate-watch-report': 'hooks',
};
const STAGE = 'ci';
const FUNCTION_PREFIX = `greenlight-${STAGE}-`;
/** One parameter overridden on the command line, the others left at their defaults. */
const SERVICE_PATTERN = 'web-*';
/** The services whose ECS lifecycle hook is Greenlight's (ecsHookServicePattern). */
const HOOK_SERVICE_PATTERN = 'api-*';
/** The Lambda functions user hooks may name (userHookFunctionPattern). */
const USER_HOOK_PATTERN = 'team-hook-*';
/** The blue/green steps that call user hooks (functions/deploy/user-hooks.ts). */
const HOOK_CALLERS = [
  'launch',
  'check-launch',
  'next-step',
  'set-weights',
  'evaluate-test-traffic',
  'rollback',
  'finish',
];
/** The Prometheus workspace the evaluate function may query. */
const AMP_WORKSPACE = 'ws-0123abcd-4567-89ef-0123-456789abcdef';
/** The deployment groups whose CodeDeploy lifecycle hook is Greenlight's (codeDeployGroupPattern). */
const CODEDEPLOY_GROUP_PATTERN = 'web-dg-*';
/** The CodeDeploy actions with a resource type are granted on the hooked deployment groups only. */
/** Statements on the services CodeDeploy or ECS deploy for Greenlight (controller codedeploy | ecs). */
const EXTERNAL_SERVICE_SIDS = ['ReadExternalControllerServices', 'EcsStart', 'EcsFindStarted'];
const EXTERNAL_SERVICES = [
  `arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:service/*/${HOOK_SERVICE_PATTERN}`,
  `arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:service/${HOOK_SERVICE_PATTERN}`,
];
/** The service-deployment actions require both resource types: the service and its deployments. */
const EXTERNAL_SERVICE_DEPLOYMENTS = [
  `arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:service/*/${HOOK_SERVICE_PATTERN}`,
  `arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:service-deployment/*/${HOOK_SERVICE_PATTERN}/*`,
];
/** The other ECS lifecycle hooks' roles StartExternal may pass (ecsOtherHookRolePattern). */
const OTHER_HOOK_ROLE_PATTERN = 'team-hooks/*';
/** DescribeServiceRevisions requires both resource types: the service and its revisions. */
const EXTERNAL_SERVICE_REVISIONS = [
  `arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:service/*/${HOOK_SERVICE_PATTERN}`,
  `arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:service-revision/*/${HOOK_SERVICE_PATTERN}/*`,
];
const HOOKED_DEPLOYMENT_GROUPS = `arn:\${AWS::Partition}:codedeploy:\${AWS::Region}:\${AWS::AccountId}:deploymentgroup:gl-*/${CODEDEPLOY_GROUP_PATTERN}`;

/**
 * The only actions that may be granted on `Resource: "*"`, each because AWS offers no narrower
 * resource for it (Service Authorization Reference: no resource type for the action).
 */
const RESOURCE_STAR_ALLOWED: Record<string, string> = {
  'xray:PutTraceSegments': 'X-Ray has no resource-level permissions (Lambda and state machine tracing)',
  'xray:PutTelemetryRecords': 'X-Ray has no resource-level permissions (Lambda and state machine tracing)',
  'xray:GetSamplingRules': 'X-Ray has no resource-level permissions (state machine tracing)',
  'xray:GetSamplingTargets': 'X-Ray has no resource-level permissions (state machine tracing)',
  'ecs:DescribeTaskDefinition': 'ECS defines no resource type for DescribeTaskDefinition',
  // The Service Authorization Reference lists these CodeDeploy actions with no resource type.
  'codedeploy:StopDeployment': 'CodeDeploy defines no resource type for StopDeployment',
  'codedeploy:ListDeploymentTargets': 'CodeDeploy defines no resource type for ListDeploymentTargets',
  'codedeploy:GetDeploymentTarget': 'CodeDeploy defines no resource type for GetDeploymentTarget',
  'codedeploy:PutLifecycleEventHookExecutionStatus':
    'CodeDeploy defines no resource type for PutLifecycleEventHookExecutionStatus',
  'codedeploy:ContinueDeployment': 'CodeDeploy defines no resource type for ContinueDeployment',
  // Its only resource type is the container instance, absent from a listing by cluster and service
  // (and from Fargate): authorized on "*", kept to the clusters by the ecs:cluster condition.
  'ecs:ListTasks': 'ECS ListTasks by cluster is authorized on "*"; scoped by the ecs:cluster condition',
  'elasticloadbalancing:DescribeListeners': 'ELB Describe* calls have no resource-level permissions',
  'elasticloadbalancing:DescribeRules': 'ELB Describe* calls have no resource-level permissions',
  'elasticloadbalancing:DescribeTargetHealth': 'ELB Describe* calls have no resource-level permissions',
  'elasticloadbalancing:DescribeTargetGroups': 'ELB Describe* calls have no resource-level permissions',
  'cloudwatch:GetMetricData': 'CloudWatch GetMetricData has no resource-level permissions',
  'application-autoscaling:DescribeScalableTargets':
    'Application Auto Scaling defines no resource type for DescribeScalableTargets',
  // Step Functions logging to CloudWatch Logs (added by serverless-step-functions for
  // loggingConfig): the log delivery APIs take no resource; AWS documents them on "*".
  'logs:CreateLogDelivery': 'Step Functions log delivery: no resource-level permissions',
  'logs:GetLogDelivery': 'Step Functions log delivery: no resource-level permissions',
  'logs:UpdateLogDelivery': 'Step Functions log delivery: no resource-level permissions',
  'logs:DeleteLogDelivery': 'Step Functions log delivery: no resource-level permissions',
  'logs:ListLogDeliveries': 'Step Functions log delivery: no resource-level permissions',
  'logs:PutResourcePolicy': 'Step Functions log delivery: no resource-level permissions',
  'logs:DescribeResourcePolicies': 'Step Functions log delivery: no resource-level permissions',
  'logs:DescribeLogGroups': 'Step Functions log delivery: no resource-level permissions',
  // Service Authorization Reference: CodePipeline's job actions list no resource type.
  'codepipeline:PutJobSuccessResult': 'CodePipeline job results have no resource-level permissions',
  'codepipeline:PutJobFailureResult': 'CodePipeline job results have no resource-level permissions',
  // Service Authorization Reference: ListSchedules lists no resource type (the call names the group).
  'scheduler:ListSchedules': 'EventBridge Scheduler ListSchedules has no resource-level permissions',
};

const LOGS_AND_TRACES = [
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
];
const READ_ROUTES = ['elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeRules'];
const MODIFY_ROUTES = ['elasticloadbalancing:ModifyListener', 'elasticloadbalancing:ModifyRule'];
const WHOLE_TABLE = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];
/** Scalable targets updated (suspended, restored, held at 0): never registered, so no PassRole. */
const WRITE_SCALABLE_TARGETS = ['application-autoscaling:RegisterScalableTarget'];
/** The new color's stopped tasks: a crash loop during the launch, the gate's stops signal. */
const STOPPED_TASKS = ['ecs:ListTasks', 'ecs:DescribeTasks'];

/** Per function, every action its role allows: the calls its step makes through its ports. */
/** The steps that call user hooks invoke them (InvokeUserHooks). */
const USER_HOOKS = 'lambda:InvokeFunction';
/** Every turn of a user hook's wait loop reads the record (an abort ends the wait): GetItem. */
const HOOK_WAIT_READ = 'dynamodb:GetItem';
const EXPECTED_ACTIONS: Record<string, string[]> = {
  // lock, record, index, events; live color from the route; live service; copy of its revision
  // ... and the repair of an abandoned deployment: weights, target health, scale down, notify
  prepare: [
    ...LOGS_AND_TRACES,
    ...WHOLE_TABLE,
    'dynamodb:Query',
    ...READ_ROUTES,
    ...MODIFY_ROUTES,
    'elasticloadbalancing:DescribeTargetHealth',
    'ecs:UpdateService',
    'sns:Publish',
    'ecs:DescribeServices',
    'ecs:DescribeTaskDefinition',
    'ecs:RegisterTaskDefinition',
    'ecs:TagResource',
    'iam:PassRole',
    'cloudwatch:DescribeAlarms',
    'application-autoscaling:DescribeScalableTargets',
    ...WRITE_SCALABLE_TARGETS,
    // controller codedeploy: the deployment group's service, whose revision is copied
    'codedeploy:GetDeploymentGroup',
  ],
  // controller codedeploy | ecs: exactly the calls of the two adapters' start (and findStarted)
  'start-external': [
    ...LOGS_AND_TRACES,
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'codedeploy:GetDeploymentGroup',
    'codedeploy:ListDeployments',
    'codedeploy:GetDeployment',
    'codedeploy:CreateDeployment',
    'codedeploy:GetApplicationRevision',
    'codedeploy:RegisterApplicationRevision',
    'codedeploy:GetDeploymentConfig',
    'codedeploy:CreateDeploymentConfig',
    'ecs:DescribeServices',
    'ecs:UpdateService',
    'ecs:ListServiceDeployments',
    'ecs:DescribeServiceDeployments',
    // the update's deployment is the one whose target revision runs the new task definition
    'ecs:DescribeServiceRevisions',
    // Greenlight's hook role, and the other hooks' roles the update keeps (ecsOtherHookRolePattern)
    'iam:PassRole',
    'iam:PassRole',
  ],
  // status, abort, promote; control requests read, the lock renewed, events
  'poll-external': [
    ...LOGS_AND_TRACES,
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'codedeploy:GetDeployment',
    'codedeploy:StopDeployment',
    'codedeploy:ContinueDeployment',
    'ecs:DescribeServiceDeployments',
    'ecs:StopServiceDeployment',
    'ecs:ContinueServiceDeployment',
  ],
  // a failed start's deployment found, then stopped with rollback
  'abort-external': [
    ...LOGS_AND_TRACES,
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    // the found id kept on the record before it is stopped
    'dynamodb:UpdateItem',
    'codedeploy:ListDeployments',
    'codedeploy:GetDeployment',
    'codedeploy:StopDeployment',
    // found as a retried start finds it: a running deployment of the new task definition
    'ecs:ListServiceDeployments',
    'ecs:DescribeServiceRevisions',
    'ecs:DescribeServiceDeployments',
    'ecs:StopServiceDeployment',
  ],
  launch: [USER_HOOKS, HOOK_WAIT_READ, ...LOGS_AND_TRACES, 'dynamodb:PutItem', 'ecs:UpdateService'],
  'check-launch': [
    USER_HOOKS,
    HOOK_WAIT_READ,
    ...LOGS_AND_TRACES,
    'dynamodb:PutItem',
    'ecs:DescribeServices',
    'elasticloadbalancing:DescribeTargetHealth',
    ...STOPPED_TASKS,
  ],
  'next-step': [USER_HOOKS, HOOK_WAIT_READ, ...LOGS_AND_TRACES, 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  'set-weights': [
    USER_HOOKS,
    HOOK_WAIT_READ,
    ...LOGS_AND_TRACES,
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    ...READ_ROUTES,
    ...MODIFY_ROUTES,
  ],
  'verify-weights': [...LOGS_AND_TRACES, ...READ_ROUTES],
  evaluate: [
    ...LOGS_AND_TRACES,
    'dynamodb:PutItem',
    'dynamodb:GetItem',
    'dynamodb:UpdateItem',
    'cloudwatch:GetMetricData',
    'aps:QueryMetrics',
    'cloudwatch:DescribeAlarms',
    'elasticloadbalancing:DescribeTargetGroups',
    'elasticloadbalancing:DescribeTargetHealth',
    ...STOPPED_TASKS,
  ],
  // events, lock renewal, manual commands; the new color's targets and stops; alarms (probes are plain HTTP)
  'evaluate-test-traffic': [
    USER_HOOKS,
    ...LOGS_AND_TRACES,
    'dynamodb:PutItem',
    'dynamodb:GetItem',
    'dynamodb:UpdateItem',
    'elasticloadbalancing:DescribeTargetHealth',
    'cloudwatch:DescribeAlarms',
    ...STOPPED_TASKS,
  ],
  retire: [
    ...LOGS_AND_TRACES,
    'dynamodb:PutItem',
    ...READ_ROUTES,
    'ecs:UpdateService',
    'ecs:DescribeServices',
    ...WRITE_SCALABLE_TARGETS,
  ],
  rollback: [
    USER_HOOKS,
    ...LOGS_AND_TRACES,
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    ...READ_ROUTES,
    ...MODIFY_ROUTES,
    'ecs:UpdateService',
    'ecs:DescribeServices',
    ...WRITE_SCALABLE_TARGETS,
  ],
  finish: [USER_HOOKS, ...LOGS_AND_TRACES, ...WHOLE_TABLE, 'sns:Publish', ...WRITE_SCALABLE_TARGETS],
  // stop claims, crash-loop windows, running deployment lookup; log link; the alert
  'task-stopped': [
    ...LOGS_AND_TRACES,
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:Query',
    'ecs:DescribeTaskDefinition',
    'sns:Publish',
  ],
  // due tally entries (query, delete), the window's tally mark (update, read back); the tally
  'final-tallies': [
    ...LOGS_AND_TRACES,
    'dynamodb:Query',
    'dynamodb:GetItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'sns:Publish',
  ],
  // open deployments, execution status, then the same repair as prepare's
  reconcile: [
    ...LOGS_AND_TRACES,
    ...WHOLE_TABLE,
    'dynamodb:Query',
    'states:DescribeExecution',
    ...READ_ROUTES,
    ...MODIFY_ROUTES,
    'elasticloadbalancing:DescribeTargetHealth',
    'ecs:DescribeServices',
    'ecs:UpdateService',
    'sns:Publish',
    ...WRITE_SCALABLE_TARGETS,
  ],
  // the deployment record; start the execution (and describe it on a retry); the job's result
  pipeline: [
    ...LOGS_AND_TRACES,
    'dynamodb:GetItem',
    'states:StartExecution',
    'states:DescribeExecution',
    'codepipeline:PutJobSuccessResult',
    'codepipeline:PutJobFailureResult',
  ],
  // records, lock holder, history, service index, manual commands; start (and describe on a retry)
  // the deployment's record and history, read only
  report: [...LOGS_AND_TRACES, 'dynamodb:GetItem', 'dynamodb:Query'],
  api: [
    ...LOGS_AND_TRACES,
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:Query',
    'states:StartExecution',
    'states:DescribeExecution',
    // dry runs: Prepare's reads only (route, services, live revision, scalable targets, alarms)
    'elasticloadbalancing:DescribeListeners',
    'elasticloadbalancing:DescribeRules',
    'ecs:DescribeServices',
    'ecs:DescribeTaskDefinition',
    'application-autoscaling:DescribeScalableTargets',
    'cloudwatch:DescribeAlarms',
    // the schedule routes: Greenlight's schedules, SchedulerRole handed to them, manual runs
    'scheduler:GetSchedule',
    'scheduler:CreateSchedule',
    'scheduler:UpdateSchedule',
    'scheduler:DeleteSchedule',
    'scheduler:ListSchedules',
    'iam:PassRole',
    'states:StartExecution',
    'states:DescribeExecution',
  ],
  // scheduled tasks: the slot's claim (and the existing one on a duplicate delivery)
  'begin-run': [...LOGS_AND_TRACES, 'dynamodb:GetItem', 'dynamodb:PutItem'],
  // the guard: conditional put (take, hand over), holder read, conditional delete
  'run-guard': [...LOGS_AND_TRACES, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
  // guard check and task note; revision and service read; RunTask with tags; stop when replaced
  'start-task': [
    ...LOGS_AND_TRACES,
    'dynamodb:GetItem',
    'dynamodb:UpdateItem',
    'ecs:DescribeTaskDefinition',
    'ecs:DescribeServices',
    'ecs:RunTask',
    'ecs:TagResource',
    'ecs:StopTask',
    'iam:PassRole',
  ],
  'check-task': [...LOGS_AND_TRACES, 'ecs:DescribeTasks'],
  'stop-task': [...LOGS_AND_TRACES, 'ecs:StopTask'],
  'examine-run': [...LOGS_AND_TRACES],
  'record-run': [...LOGS_AND_TRACES, 'dynamodb:PutItem', 'dynamodb:Query'],
  'notify-run': [...LOGS_AND_TRACES, 'sns:Publish'],
  // ECS built-in deployments' hook: the service's target groups and rules, their health, metrics,
  // the target service revision's stopped tasks
  // ...and its history: the record and keyed events, a hook-only deployment's end and outcome
  'ecs-hook': [
    ...LOGS_AND_TRACES,
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'sns:Publish',
    'ecs:DescribeServices',
    'ecs:DescribeServiceRevisions',
    ...STOPPED_TASKS,
    'cloudwatch:GetMetricData',
    'cloudwatch:DescribeAlarms',
    'elasticloadbalancing:DescribeRules',
    'elasticloadbalancing:DescribeTargetGroups',
    'elasticloadbalancing:DescribeTargetHealth',
  ],
  // the group's schedules; the window's runs, MISSED records and the checkpoint; the alert
  'reconcile-missed': [
    ...LOGS_AND_TRACES,
    'scheduler:GetSchedule',
    'scheduler:ListSchedules',
    'dynamodb:Query',
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'sns:Publish',
  ],
  // CodeDeploy's hook: the deployment, its target and task sets' target groups; starts the watch
  'codedeploy-hook': [
    ...LOGS_AND_TRACES,
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'sns:Publish',
    'codedeploy:GetDeployment',
    'codedeploy:ListDeploymentTargets',
    'codedeploy:GetDeploymentTarget',
    'codedeploy:PutLifecycleEventHookExecutionStatus',
    'elasticloadbalancing:DescribeTargetGroups',
    'states:StartExecution',
    'states:DescribeExecution',
  ],
  // the watch's bounded readings only (PutItem, GetItem); ends and notifications are Report's;
  // the replacement task set's stopped tasks
  'gate-watch-evaluate': [
    ...LOGS_AND_TRACES,
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'ecs:DescribeTaskSets',
    ...STOPPED_TASKS,
    'cloudwatch:GetMetricData',
    'cloudwatch:DescribeAlarms',
    'elasticloadbalancing:DescribeTargetGroups',
    'elasticloadbalancing:DescribeTargetHealth',
  ],
  'gate-watch-report': [
    ...LOGS_AND_TRACES,
    'codedeploy:PutLifecycleEventHookExecutionStatus',
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'sns:Publish',
  ],
};

/** Task ARNs and clusters of the stage's clusters (ecsClusterPattern, default `*`). */
const SCHEDULED_TASKS = 'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task/*/*';
const CLUSTER_CONDITION = {
  ArnLike: {
    'ecs:cluster': { 'Fn::Sub': 'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:cluster/*' },
  },
};

// ---- The template's shape, as far as these tests read it ------------------------------------------
type Props = Record<string, unknown>;
interface CfnResource {
  Type: string;
  Properties: Props;
  DeletionPolicy?: string;
}
interface Template {
  Resources: Record<string, CfnResource>;
}
interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
interface PolicyDocument {
  Statement: Statement[];
}
interface AslState {
  Type: string;
  Resource?: unknown;
  TimeoutSeconds?: number;
  Branches?: { States: Record<string, AslState> }[];
  Iterator?: { States: Record<string, AslState> };
  ItemProcessor?: { States: Record<string, AslState> };
}

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];
const actionsOf = (s: Statement) => asArray(s.Action);
const sorted = (values: Iterable<string>) => [...new Set(values)].sort();
/** `{ "Fn::GetAtt": [logicalId, "Arn"] }` → logicalId, else undefined. */
function getAttArnOf(value: unknown): string | undefined {
  const getAtt = (value as { 'Fn::GetAtt'?: unknown } | null)?.['Fn::GetAtt'];
  return Array.isArray(getAtt) && getAtt[1] === 'Arn' && typeof getAtt[0] === 'string'
    ? getAtt[0]
    : undefined;
}
/** The template string of `{ "Fn::Sub": "..." }`, else undefined. */
function subOf(value: unknown): string | undefined {
  const sub = (value as { 'Fn::Sub'?: unknown } | null)?.['Fn::Sub'];
  return typeof sub === 'string' ? sub : undefined;
}

let outDir: string;
let template: Template;

beforeAll(async () => {
  outDir = mkdtempSync(path.join(os.tmpdir(), 'greenlight-package-'));
  // No credentials of any kind, and no shared config files to find them in.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|DEFAULT_PROFILE)$/.test(name),
    ),
  );
  Object.assign(env, {
    AWS_CONFIG_FILE: path.join(outDir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(outDir, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  const args = [
    'run',
    '--silent',
    'package',
    '--',
    '--stage',
    STAGE,
    '--region',
    'eu-west-1',
    '--package',
    outDir,
    '--param',
    `ecsServicePattern=${SERVICE_PATTERN}`,
    '--param',
    `ecsHookServicePattern=${HOOK_SERVICE_PATTERN}`,
    '--param',
    `ampWorkspaceId=${AMP_WORKSPACE}`,
    '--param',
    `codeDeployGroupPattern=${CODEDEPLOY_GROUP_PATTERN}`,
    '--param',
    `userHookFunctionPattern=${USER_HOOK_PATTERN}`,
    '--param',
    `ecsOtherHookRolePattern=${OTHER_HOOK_ROLE_PATTERN}`,
  ];
  try {
    await promisify(execFile)('npm', args, { cwd: ROOT, env, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm ${args.join(' ')} failed:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: error });
  }
  template = JSON.parse(
    readFileSync(path.join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as Template;
}, 180_000);

afterAll(() => {
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

const resourcesOfType = (type: string) =>
  Object.entries(template.Resources).filter(([, r]) => r.Type === type);

/** Every function of the template by its serverless.yml key. */
function functionsByKey(): Record<string, { logicalId: string; props: Props }> {
  return Object.fromEntries(
    resourcesOfType('AWS::Lambda::Function').map(([logicalId, r]) => {
      const name = String(r.Properties.FunctionName);
      expect(name.startsWith(FUNCTION_PREFIX)).toBe(true);
      return [name.slice(FUNCTION_PREFIX.length), { logicalId, props: r.Properties }];
    }),
  );
}

/** Every policy document in the template: identity policies of roles and policies, resource policies. */
function policyDocuments(): { where: string; document: PolicyDocument }[] {
  const documents: { where: string; document: PolicyDocument }[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const p = resource.Properties;
    if (resource.Type === 'AWS::IAM::Role') {
      for (const policy of asArray(p.Policies as { PolicyName: string; PolicyDocument: PolicyDocument }[])) {
        documents.push({ where: `${logicalId}/${policy.PolicyName}`, document: policy.PolicyDocument });
      }
    } else if (p && typeof p === 'object' && 'PolicyDocument' in p) {
      documents.push({ where: logicalId, document: p.PolicyDocument as PolicyDocument });
    }
  }
  return documents;
}

function roleStatements(roleLogicalId: string): Statement[] {
  const role = template.Resources[roleLogicalId];
  expect(role?.Type).toBe('AWS::IAM::Role');
  return asArray(role?.Properties.Policies as { PolicyDocument: PolicyDocument }[]).flatMap(
    (p) => p.PolicyDocument.Statement,
  );
}

function roleOf(fn: { props: Props }): string {
  const role = getAttArnOf(fn.props.Role);
  if (!role)
    throw new Error(`function role is not a role of this template: ${JSON.stringify(fn.props.Role)}`);
  return role;
}

/** Task states of a definition, with those nested in Parallel and Map states. */
function taskStates(states: Record<string, AslState>): [string, AslState][] {
  return Object.entries(states).flatMap(([name, state]): [string, AslState][] => {
    if (state.Type === 'Task') return [[name, state]];
    const nested = [
      ...asArray(state.Branches).map((b) => b.States),
      state.Iterator?.States,
      state.ItemProcessor?.States,
    ];
    return nested.flatMap((s) => (s ? taskStates(s) : []));
  });
}

/** The deployed definition of a state machine, and what each `${name}` in it stands for. */
function deployedDefinition(props: Props): {
  states: Record<string, AslState>;
  substitutions: Record<string, unknown>;
} {
  const definition = props.DefinitionString;
  const sub = (definition as { 'Fn::Sub'?: unknown } | null)?.['Fn::Sub'];
  const [text, substitutions] = Array.isArray(sub)
    ? [String(sub[0]), (sub[1] ?? {}) as Record<string, unknown>]
    : [typeof sub === 'string' ? sub : String(definition), {}];
  return { states: (JSON.parse(text) as { States: Record<string, AslState> }).States, substitutions };
}

/** The Lambda logical id a deployed Task state invokes, or a description of why it is none. */
function lambdaOfTask(state: AslState, substitutions: Record<string, unknown>): string {
  const resource = String(state.Resource);
  const substituted = /^\$\{([^}]+)\}$/.exec(resource);
  if (substituted?.[1]) {
    const target = getAttArnOf(substitutions[substituted[1]]);
    if (target && template.Resources[target]?.Type === 'AWS::Lambda::Function') return target;
    return `not a function of this template: ${JSON.stringify(substitutions[substituted[1]])}`;
  }
  const staticArn =
    /^arn:\$\{AWS::Partition\}:lambda:\$\{AWS::Region\}:\$\{AWS::AccountId\}:function:([^:]+)$/.exec(
      resource,
    );
  const byName = resourcesOfType('AWS::Lambda::Function').find(
    ([, r]) => r.Properties.FunctionName === staticArn?.[1],
  );
  return byName ? byName[0] : `not a function of this template: ${resource}`;
}

describe('the packaged CloudFormation template', () => {
  describe('functions', () => {
    it('has the scheduled reconcile function, run every 5 minutes with the state machine ARN', () => {
      const reconcile = functionsByKey().reconcile;
      expect(reconcile?.props.Handler).toBe('functions/reconcile/lambda/reconcile.handler');
      expect(
        (reconcile?.props.Environment as { Variables: Record<string, unknown> }).Variables.STATE_MACHINE_ARN,
      ).toEqual({
        Ref: 'BlueGreenStateMachine',
      });
      const rules = resourcesOfType('AWS::Events::Rule').map(([, r]) => r.Properties.ScheduleExpression);
      expect(rules).toContain('rate(5 minutes)');
    });

    it('never runs two reconciles at once: reserved concurrency 1, throttled ticks dropped after 5 minutes', () => {
      // Its 900-s timeout outlasts the 5-minute schedule; overlapping runs would both take the
      // dead deployment's lock (same owner) and repair it twice.
      const reconcile = functionsByKey().reconcile;
      const invokeConfigs = resourcesOfType('AWS::Lambda::EventInvokeConfig').filter(
        ([, r]) =>
          JSON.stringify(r.Properties.FunctionName) === JSON.stringify({ Ref: reconcile?.logicalId }),
      );

      expect(reconcile?.props.Timeout).toBe(900);
      expect(reconcile?.props.ReservedConcurrentExecutions).toBe(1);
      expect(invokeConfigs).toHaveLength(1);
      expect(invokeConfigs[0]?.[1].Properties).toMatchObject({ MaximumEventAgeInSeconds: 300 });
    });

    it('has the stopped-task alert function, triggered by stopped ECS tasks only', () => {
      const fn = functionsByKey()['task-stopped'];
      expect(fn?.props.Handler).toBe('functions/alerts/lambda/task-stopped.handler');
      const patterns = resourcesOfType('AWS::Events::Rule').map(([, r]) => r.Properties.EventPattern);
      expect(patterns).toContainEqual({
        source: ['aws.ecs'],
        'detail-type': ['ECS Task State Change'],
        detail: { lastStatus: ['STOPPED'] },
      });
    });

    it('has the final-tally sweeper on a schedule, its table access limited to alert items', () => {
      const fn = functionsByKey()['final-tallies'];
      expect(fn?.props.Handler).toBe('functions/alerts/lambda/final-tallies.handler');
      const rules = resourcesOfType('AWS::Events::Rule').map(([, r]) => r.Properties.ScheduleExpression);
      expect(rules).toContain('rate(2 minutes)');
      const table = roleStatements(roleOf(fn!)).find((s) =>
        actionsOf(s).some((a) => a.startsWith('dynamodb:')),
      );
      expect(table?.Condition).toEqual({
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['ALERT#*'] },
      });
    });

    it('runs the CodePipeline trigger from functions/pipeline/lambda/pipeline.handler with the state machine ARN', () => {
      const fn = functionsByKey().pipeline;
      expect(fn?.props.Handler).toBe('functions/pipeline/lambda/pipeline.handler');
      expect((fn?.props.Environment as { Variables: Props }).Variables.STATE_MACHINE_ARN).toEqual({
        Ref: 'BlueGreenStateMachine',
      });
      const source = readFileSync(path.join(ROOT, 'functions/pipeline/lambda/pipeline.ts'), 'utf8');
      expect(source).toMatch(/^export const handler = /m);
    });

    it('serves the deploy API from functions/api/lambda/api.handler: every route of functions/api/routes.ts, each behind the IAM authorizer', () => {
      const fn = functionsByKey().api;
      expect(fn?.props.Handler).toBe('functions/api/lambda/api.handler');
      expect(readFileSync(path.join(ROOT, 'functions/api/lambda/api.ts'), 'utf8')).toMatch(
        /^export const handler = /m,
      );
      expect((fn?.props.Environment as { Variables: Props }).Variables.STATE_MACHINE_ARN).toEqual({
        Ref: 'BlueGreenStateMachine',
      });
      const [[apiId] = []] = resourcesOfType('AWS::ApiGatewayV2::Api');
      expect(resourcesOfType('AWS::ApiGatewayV2::Api').map(([, r]) => r.Properties.ProtocolType)).toEqual([
        'HTTP',
      ]);
      const routes = resourcesOfType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
      expect(sorted(routes.map((r) => String(r.RouteKey)))).toEqual(sorted([...API_ROUTES, REPORT_ROUTE]));
      for (const route of routes) {
        expect({ route: route.RouteKey, api: route.ApiId, auth: route.AuthorizationType }).toEqual({
          route: route.RouteKey,
          api: { Ref: apiId },
          auth: 'AWS_IAM',
        });
      }
      // Every route's integration invokes the API function with payload 2.0, but the report's,
      // which invokes the report function.
      const report = functionsByKey().report;
      const integrations = resourcesOfType('AWS::ApiGatewayV2::Integration');
      const integrationOf = Object.fromEntries(
        integrations.map(([id, r]) => [id, getAttArnOf(r.Properties.IntegrationUri)]),
      );
      expect(
        sorted(
          integrations.map(([, r]) =>
            [getAttArnOf(r.Properties.IntegrationUri), r.Properties.PayloadFormatVersion].join(' '),
          ),
        ),
      ).toEqual(sorted([`${fn?.logicalId} 2.0`, `${report?.logicalId} 2.0`]));
      for (const route of routes) {
        // Target: integrations/<Ref to the integration>.
        const integrationId = JSON.stringify(route.Target).match(/"Ref":"([^"]+)"/)?.[1] ?? '';
        expect({ route: route.RouteKey, fn: integrationOf[integrationId] }).toEqual({
          route: route.RouteKey,
          fn: route.RouteKey === REPORT_ROUTE ? report?.logicalId : fn?.logicalId,
        });
      }
      const permissions = resourcesOfType('AWS::Lambda::Permission').filter(
        ([, r]) => r.Properties.Principal === 'apigateway.amazonaws.com',
      );
      expect(sorted(permissions.map(([, r]) => String(getAttArnOf(r.Properties.FunctionName))))).toEqual(
        sorted([String(fn?.logicalId), String(report?.logicalId)]),
      );
      for (const [, permission] of permissions) {
        expect(JSON.stringify(permission.Properties.SourceArn)).toContain(`{"Ref":"${apiId}"}`);
      }
      // Access logs name the IAM caller, in a log group of the stack.
      const [[, stage] = []] = resourcesOfType('AWS::ApiGatewayV2::Stage');
      const logs = stage?.Properties.AccessLogSettings as { DestinationArn: unknown; Format: string };
      expect(template.Resources[getAttArnOf(logs.DestinationArn) ?? '']?.Type).toBe('AWS::Logs::LogGroup');
      expect(JSON.parse(logs.Format)).toMatchObject({ caller: '$context.identity.userArn' });
    });

    it('has one function per blue/green step, each with its own entry file building only its adapters', () => {
      const functions = Object.fromEntries(
        Object.entries(functionsByKey()).filter(([key]) => !(key in AREA_OF_FUNCTION)),
      );
      expect(Object.keys(functions).sort()).toEqual(Object.keys(deployStepFactories).sort());
      for (const [key, fn] of Object.entries(functions)) {
        expect({ key, handler: fn.props.Handler }).toEqual({
          key,
          handler: `functions/deploy/lambda/${key}.handler`,
        });
        const source = readFileSync(path.join(ROOT, `functions/deploy/lambda/${key}.ts`), 'utf8');
        expect({ key, entry: /^export const handler = create\w+Handler\(/m.test(source) }).toEqual({
          key,
          entry: true,
        });
        expect({ key, imports: source.includes(`from '../${key}';`) }).toEqual({ key, imports: true });
      }
    });

    it('runs every function from its own entry file, functions/<area>/lambda/<key>.ts, exporting `handler`', () => {
      for (const [key, fn] of Object.entries(functionsByKey())) {
        const area = AREA_OF_FUNCTION[key] ?? 'deploy';
        expect({ key, handler: fn.props.Handler }).toEqual({
          key,
          handler: `functions/${area}/lambda/${key}.handler`,
        });
        const source = readFileSync(path.join(ROOT, `functions/${area}/lambda/${key}.ts`), 'utf8');
        expect({ key, entry: /^export const handler = create\w+Handler\(/m.test(source) }).toEqual({
          key,
          entry: true,
        });
      }
    });

    it('runs every function on nodejs22.x, arm64, traced, with the table, the topic and the service name', () => {
      for (const [key, { props }] of Object.entries(functionsByKey())) {
        expect({
          key,
          runtime: props.Runtime,
          architectures: props.Architectures,
          tracing: props.TracingConfig,
        }).toEqual({
          key,
          runtime: 'nodejs22.x',
          architectures: ['arm64'],
          tracing: { Mode: 'Active' },
        });
        const variables = (props.Environment as { Variables: Props }).Variables;
        expect(variables).toMatchObject({
          TABLE_NAME: { Ref: 'DeploymentsTable' },
          TOPIC_ARN: { Ref: 'NotificationsTopic' },
          POWERTOOLS_SERVICE_NAME: 'greenlight',
        });
      }
    });

    it('packages one artifact per function', () => {
      for (const [key, { props }] of Object.entries(functionsByKey())) {
        const s3Key = String((props.Code as { S3Key: string }).S3Key);
        expect(path.basename(s3Key)).toBe(`${key}.zip`);
        expect({ key, artifact: existsSync(path.join(outDir, `${key}.zip`)) }).toEqual({
          key,
          artifact: true,
        });
      }
    });

    it('ships minified bundles that still run and keep error class names (Step Functions matches on them)', async () => {
      const entry = 'functions/deploy/lambda/verify-weights.js';
      const files = unzipSync(readFileSync(path.join(outDir, 'verify-weights.zip')));
      expect(Object.keys(files).sort()).toEqual([entry, `${entry}.map`]);
      const dir = mkdtempSync(path.join(outDir, 'bundle-'));
      writeFileSync(path.join(dir, 'entry.js'), files[entry]!);
      writeFileSync(path.join(dir, 'entry.js.map'), files[`${entry}.map`]!);
      // A malformed event: the step must refuse it with the error name the state machine expects.
      const script =
        "require('./entry.js').handler({}, { functionName: 'verify-weights', awsRequestId: 'r-1' })" +
        '.then(() => console.log("resolved"), (error) => console.log(error.name))';
      const { stdout } = await promisify(execFile)('node', ['--enable-source-maps', '-e', script], {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          AWS_REGION: 'eu-west-1',
          POWERTOOLS_LOG_LEVEL: 'SILENT',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
      });
      expect(stdout.trim()).toBe('InvalidInputError');
    });
  });

  describe('the report function', () => {
    /** Strings only the chart libraries hold: Vega-Lite's compile error, Vega's SVG renderer's ARIA attribute. */
    const CHART_LIBRARY_MARKERS = [
      'Make sure the specification includes at least one of the following properties',
      'aria-roledescription',
    ];
    const bundleOf = (key: string) =>
      Object.entries(unzipSync(readFileSync(path.join(outDir, `${key}.zip`))))
        .filter(([name]) => name.endsWith('.js'))
        .map(([, bytes]) => Buffer.from(bytes).toString('utf8'))
        .join('\n');

    it('bundles Vega and Vega-Lite in the report function only, so no step function loads them', () => {
      const found = Object.keys(functionsByKey()).map((key) => {
        const code = bundleOf(key);
        return { key, charts: CHART_LIBRARY_MARKERS.every((marker) => code.includes(marker)) };
      });
      expect(found.filter((f) => f.charts).map((f) => f.key)).toEqual(['report']);
    });
  });

  describe('state machines', () => {
    const files = readdirSync(STATE_MACHINES_DIR).filter((f) => f.endsWith('.asl.json'));

    it('deploys every file of statemachines/ and nothing else', () => {
      const deployed = resourcesOfType('AWS::StepFunctions::StateMachine').map(([, r]) =>
        sorted(Object.keys(deployedDefinition(r.Properties).states)),
      );
      const inFiles = files.map((file) => sorted(Object.keys(loadStateMachine(file).definition.States)));
      expect(deployed.map((names) => names.join(',')).sort()).toEqual(
        inFiles.map((names) => names.join(',')).sort(),
      );
    });

    it('resolves every Task state to a Lambda function of the template', () => {
      const machines = resourcesOfType('AWS::StepFunctions::StateMachine');
      expect(machines.length).toBeGreaterThan(0);
      for (const [machine, resource] of machines) {
        const { states, substitutions } = deployedDefinition(resource.Properties);
        for (const [name, state] of taskStates(states)) {
          const target = lambdaOfTask(state, substitutions);
          expect({ machine, state: name, targetType: template.Resources[target]?.Type ?? target }).toEqual({
            machine,
            state: name,
            targetType: 'AWS::Lambda::Function',
          });
        }
      }
    });

    it.each(files)('%s: each Task state invokes the function its Fn::GetAtt key names', (file) => {
      const { definition, functionByState } = loadStateMachine(file);
      const machine = resourcesOfType('AWS::StepFunctions::StateMachine')
        .map(([, r]) => deployedDefinition(r.Properties))
        .find((d) => sorted(Object.keys(d.states)).join() === sorted(Object.keys(definition.States)).join());
      expect(machine).toBeDefined();
      for (const [state, key] of Object.entries(functionByState)) {
        const target = lambdaOfTask(machine!.states[state]!, machine!.substitutions);
        expect({ state, functionName: template.Resources[target]?.Properties.FunctionName }).toEqual({
          state,
          functionName: `${FUNCTION_PREFIX}${key}`,
        });
      }
    });

    it('gives every function a timeout shorter than the Task states that invoke it', () => {
      for (const [, resource] of resourcesOfType('AWS::StepFunctions::StateMachine')) {
        const { states, substitutions } = deployedDefinition(resource.Properties);
        for (const [name, state] of taskStates(states)) {
          const fn = template.Resources[lambdaOfTask(state, substitutions)];
          expect({
            state: name,
            shorter: Number(fn?.Properties.Timeout) < Number(state.TimeoutSeconds),
          }).toEqual({ state: name, shorter: true });
        }
      }
    });

    it('lets each state machine role invoke exactly the functions its Task states name, and nothing else of Lambda', () => {
      for (const [machine, resource] of resourcesOfType('AWS::StepFunctions::StateMachine')) {
        const { states, substitutions } = deployedDefinition(resource.Properties);
        const used = sorted(taskStates(states).map(([, state]) => lambdaOfTask(state, substitutions)));
        const statements = roleStatements(
          getAttArnOf(resource.Properties.RoleArn) ?? `${machine}: RoleArn is not a role of this template`,
        );
        const invoked: string[] = [];
        for (const statement of statements) {
          const lambdaActions = actionsOf(statement).filter((a) => a.startsWith('lambda:'));
          if (lambdaActions.length === 0) continue;
          expect(actionsOf(statement)).toEqual(['lambda:InvokeFunction']);
          for (const target of asArray(statement.Resource)) {
            // The function itself, or `${functionArn}:*` (its versions and aliases).
            const sub = (target as { 'Fn::Sub'?: unknown })['Fn::Sub'];
            const logicalId =
              getAttArnOf(target) ??
              (Array.isArray(sub) && sub[0] === '${functionArn}:*'
                ? getAttArnOf((sub[1] as Props).functionArn)
                : undefined);
            expect({ target, type: logicalId && template.Resources[logicalId]?.Type }).toEqual({
              target,
              type: 'AWS::Lambda::Function',
            });
            invoked.push(logicalId!);
          }
        }
        expect(sorted(invoked)).toEqual(used);
      }
    });

    it('logs every execution to a log group of the template and traces it', () => {
      for (const [machine, resource] of resourcesOfType('AWS::StepFunctions::StateMachine')) {
        const logging = resource.Properties.LoggingConfiguration as {
          Level: string;
          Destinations: { CloudWatchLogsLogGroup: { LogGroupArn: unknown } }[];
        };
        expect({ machine, level: logging.Level }).toEqual({ machine, level: 'ALL' });
        for (const destination of logging.Destinations) {
          const logGroup = getAttArnOf(destination.CloudWatchLogsLogGroup.LogGroupArn);
          expect(logGroup && template.Resources[logGroup]?.Type).toBe('AWS::Logs::LogGroup');
        }
        expect(resource.Properties.TracingConfiguration).toEqual({ Enabled: true });
      }
    });
  });

  describe('IAM', () => {
    it('lets the steps that call user hooks invoke the functions of userHookFunctionPattern, and no one else', () => {
      const fns = functionsByKey();
      const hookArn = (suffix: string) => ({
        'Fn::Sub': `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:${USER_HOOK_PATTERN}${suffix}`,
      });
      for (const key of HOOK_CALLERS) {
        const invoking = roleStatements(roleOf(fns[key]!)).filter((st) =>
          actionsOf(st).includes('lambda:InvokeFunction'),
        );
        expect({ key, invoking }).toEqual({
          key,
          invoking: [
            {
              Sid: 'InvokeUserHooks',
              Effect: 'Allow',
              Action: 'lambda:InvokeFunction',
              Resource: [hookArn(''), hookArn(':*')],
            },
          ],
        });
      }
      const callerRoles = new Set(HOOK_CALLERS.map((key) => roleOf(fns[key]!)));
      const granting = policyDocuments()
        .filter(({ document }) => JSON.stringify(document).includes(USER_HOOK_PATTERN))
        .map(({ where }) => where.split('/')[0]!);
      expect(sorted([...new Set(granting)])).toEqual(sorted([...callerRoles]));
    });

    it('gives the steps that may wait for a user hook inside their Task a function timeout that fits a call and the waits', () => {
      const fns = functionsByKey();
      for (const key of HOOK_CALLERS) {
        // 30 s of waits plus one call of up to 20 s (shared/domain/user-hooks.ts), below the Task's 60 s or more.
        expect({ key, fits: Number(fns[key]!.props.Timeout) >= 55 }).toEqual({ key, fits: true });
      }
    });

    it('never allows an action wildcard (`*`, `ecs:*`, `ecs:Describe*`) or NotAction / NotResource', () => {
      for (const { where, document } of policyDocuments()) {
        for (const statement of document.Statement.filter((s) => s.Effect === 'Allow')) {
          expect({ where, notAction: statement.NotAction, notResource: statement.NotResource }).toEqual({
            where,
            notAction: undefined,
            notResource: undefined,
          });
          for (const action of actionsOf(statement))
            expect({ where, action, wildcard: action.includes('*') }).toEqual({
              where,
              action,
              wildcard: false,
            });
        }
      }
    });

    it('lets every ECS service action reach a service by its long ARN and by its short (pre-2021) ARN', () => {
      // IAM ARN matching: `*` any run of characters (slashes included), `?` one character.
      const matches = (pattern: string, arn: string) =>
        new RegExp(
          `^${pattern
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replace(/\*/g, '.*')
            .replace(/\?/g, '.')}$`,
        ).test(arn);
      const resolve = (sub: string) =>
        sub
          .replace('${AWS::Partition}', 'aws')
          .replace('${AWS::Region}', 'eu-west-1')
          .replace('${AWS::AccountId}', '123456789012');
      const long = 'arn:aws:ecs:eu-west-1:123456789012:service/prod/web-blue';
      const short = 'arn:aws:ecs:eu-west-1:123456789012:service/web-blue';
      const outside = 'arn:aws:ecs:eu-west-1:123456789012:service/prod/api';
      let checked = 0;
      for (const { where, document } of policyDocuments()) {
        for (const statement of document.Statement.filter((s) => s.Effect === 'Allow')) {
          const actions = actionsOf(statement).filter(
            (a) => a === 'ecs:UpdateService' || a === 'ecs:DescribeServices',
          );
          // The ECS hook reads services ECS deploys itself, named by their long ARN (its own test).
          if (actions.length === 0 || where.startsWith('EcsHookRole/')) continue;
          // The services another controller deploys are ecsHookServicePattern's (their own test).
          if (statement.Sid && EXTERNAL_SERVICE_SIDS.includes(statement.Sid)) continue;
          const patterns = asArray(statement.Resource).map((r) => resolve(subOf(r) ?? String(r)));
          const reach = (arn: string) => patterns.some((p) => matches(p, arn));
          expect({ where, actions, long: reach(long), short: reach(short), outside: reach(outside) }).toEqual(
            {
              where,
              actions,
              long: true,
              short: true,
              outside: false,
            },
          );
          checked += 1;
        }
      }
      expect(checked).toBeGreaterThanOrEqual(8);
    });

    it('allows Resource "*" only for the actions that have no narrower resource', () => {
      for (const { where, document } of policyDocuments()) {
        for (const statement of document.Statement.filter(
          (s) => s.Effect === 'Allow' && asArray(s.Resource).includes('*'),
        )) {
          for (const action of actionsOf(statement)) {
            expect({ where, action, allowedOnStar: action in RESOURCE_STAR_ALLOWED }).toEqual({
              where,
              action,
              allowedOnStar: true,
            });
          }
        }
      }
    });

    it('gives every function its own role, trusted by Lambda only, with no managed policies', () => {
      const functions = Object.values(functionsByKey());
      const roles = functions.map(roleOf);
      expect(new Set(roles).size).toBe(functions.length);
      for (const role of roles) {
        const props = template.Resources[role]!.Properties;
        expect(props.ManagedPolicyArns).toBeUndefined();
        expect((props.AssumeRolePolicyDocument as PolicyDocument).Statement).toEqual([
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ]);
      }
      // No role in the template beyond the functions' and the state machines'.
      const stateMachineRoles = resourcesOfType('AWS::StepFunctions::StateMachine').map(([, r]) =>
        getAttArnOf(r.Properties.RoleArn),
      );
      // ... and the execution role of the schedules in EventBridge Scheduler.
      expect(sorted(resourcesOfType('AWS::IAM::Role').map(([id]) => id))).toEqual(
        sorted([...roles, ...stateMachineRoles.map(String), 'SchedulerRole', 'EcsHookInvokeRole']),
      );
    });

    it('lets ECS invoke the ECS hook, and nothing else, through EcsHookInvokeRole', () => {
      const fn = functionsByKey()['ecs-hook'];
      expect(fn?.props.Handler).toBe('functions/hooks/lambda/ecs-hook.handler');
      const role = template.Resources.EcsHookInvokeRole!.Properties;
      expect(role.AssumeRolePolicyDocument).toEqual({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'ecs.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      });
      expect(role.ManagedPolicyArns).toBeUndefined();
      expect(roleStatements('EcsHookInvokeRole')).toEqual([
        {
          Sid: 'InvokeEcsHook',
          Effect: 'Allow',
          Action: 'lambda:InvokeFunction',
          Resource: { 'Fn::GetAtt': [fn?.logicalId, 'Arn'] },
        },
      ]);
      // No other policy of the template lets anyone invoke it (the state machines invoke their steps).
      const invokers = policyDocuments().filter(({ document }) =>
        document.Statement.some(
          (st) =>
            actionsOf(st).some((a) => a.startsWith('lambda:')) &&
            JSON.stringify(st.Resource).includes(`"${fn?.logicalId}"`),
        ),
      );
      expect(invokers.map(({ where }) => where)).toEqual(['EcsHookInvokeRole/invoke-ecs-hook']);
      const outputs = (template as unknown as { Outputs: Record<string, { Value: unknown }> }).Outputs;
      expect(outputs.EcsHookFunctionArn?.Value).toEqual({ 'Fn::GetAtt': [fn?.logicalId, 'Arn'] });
      expect(outputs.EcsHookInvokeRoleArn?.Value).toEqual({ 'Fn::GetAtt': ['EcsHookInvokeRole', 'Arn'] });
    });

    it('wires the CodeDeploy hook to the gate-watch machine, and only its two steps run in it', () => {
      const fns = functionsByKey();
      const hook = fns['codedeploy-hook'];
      expect(hook?.props.Handler).toBe('functions/hooks/lambda/codedeploy-hook.handler');
      expect(fns['gate-watch-evaluate']?.props.Handler).toBe(
        'functions/hooks/lambda/gate-watch-evaluate.handler',
      );
      expect(fns['gate-watch-report']?.props.Handler).toBe(
        'functions/hooks/lambda/gate-watch-report.handler',
      );
      const vars = (hook?.props.Environment as { Variables: Props }).Variables;
      expect(vars.GATE_WATCH_STATE_MACHINE_ARN).toEqual({ Ref: 'GateWatchStateMachine' });
      expect(vars.CODEDEPLOY_HOOK_SPECS).toBe('{}');
      const machine = template.Resources.GateWatchStateMachine;
      expect(machine?.Type).toBe('AWS::StepFunctions::StateMachine');
      const invokes = roleStatements(getAttArnOf(machine!.Properties.RoleArn)!)
        .filter((st) => actionsOf(st).includes('lambda:InvokeFunction'))
        .flatMap((st) => asArray(st.Resource))
        .map((r) => getAttArnOf(r) ?? JSON.stringify(r));
      const steps = [fns['gate-watch-evaluate']!.logicalId, fns['gate-watch-report']!.logicalId];
      for (const r of invokes) expect(steps.some((id) => r.includes(id))).toBe(true);
      const outputs = (template as unknown as { Outputs: Record<string, { Value: unknown }> }).Outputs;
      expect(outputs.CodeDeployHookFunctionArn?.Value).toEqual({ 'Fn::GetAtt': [hook?.logicalId, 'Arn'] });
    });

    it.each(Object.keys(EXPECTED_ACTIONS))('%s: its role allows exactly the calls the step makes', (key) => {
      const fn = functionsByKey()[key];
      expect(fn).toBeDefined();
      const statements = roleStatements(roleOf(fn!));
      expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
      expect(sorted(statements.flatMap(actionsOf))).toEqual(sorted(EXPECTED_ACTIONS[key]!));
    });

    it.each(Object.keys(EXPECTED_ACTIONS))(
      '%s: its role scopes every action to this stack or to the stage parameters',
      (key) => {
        const fn = functionsByKey()[key]!;
        const functionName = String(fn.props.FunctionName);
        for (const statement of roleStatements(roleOf(fn))) {
          const resources = asArray(statement.Resource);
          for (const action of actionsOf(statement)) {
            const service = action.split(':')[0];
            if (action in RESOURCE_STAR_ALLOWED) {
              expect({ action, resources }).toEqual({ action, resources: ['*'] });
              if (action === 'ecs:ListTasks')
                expect({ action, condition: statement.Condition }).toEqual({
                  action,
                  condition: {
                    ArnLike: {
                      'ecs:cluster': {
                        'Fn::Sub': 'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:cluster/*',
                      },
                    },
                  },
                });
            } else if (service === 'logs') {
              expect({ action, resources }).toEqual({
                action,
                resources: [
                  {
                    'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${functionName}:*`,
                  },
                ],
              });
            } else if (service === 'dynamodb') {
              expect({ action, resources }).toEqual({
                action,
                resources: [{ 'Fn::GetAtt': ['DeploymentsTable', 'Arn'] }],
              });
            } else if (service === 'sns') {
              expect({ action, resources }).toEqual({ action, resources: [{ Ref: 'NotificationsTopic' }] });
            } else if (action === 'ecs:DescribeTasks') {
              expect({ action, resources: resources.map(subOf) }).toEqual({
                action,
                resources: ['arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task/*/*'],
              });
            } else if (action === 'ecs:DescribeServices' && key === 'ecs-hook') {
              expect({ action, resources: resources.map(subOf) }).toEqual({
                action,
                // ECS names the hooked service by its long ARN: the short form is not granted.
                resources: [
                  `arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:service/*/${HOOK_SERVICE_PATTERN}`,
                ],
              });
            } else if (
              (statement.Sid && EXTERNAL_SERVICE_SIDS.includes(statement.Sid)) ||
              action === 'ecs:ListServiceDeployments'
            ) {
              expect({ action, resources: resources.map(subOf) }).toEqual({
                action,
                resources: EXTERNAL_SERVICES,
              });
            } else if (action === 'ecs:DescribeServiceRevisions' && key === 'ecs-hook') {
              // Both resource types the action requires: the hooked service and its revisions.
              expect({ action, resources: resources.map(subOf) }).toEqual({
                action,
                resources: [
                  `arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:service/*/${HOOK_SERVICE_PATTERN}`,
                  `arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:service-revision/*/${HOOK_SERVICE_PATTERN}/*`,
                ],
              });
            } else if (action === 'ecs:DescribeTaskSets') {
              // The hooked services and their task sets only.
              expect({ action, resources: resources.map(subOf) }).toEqual({
                action,
                resources: [
                  `arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:service/*/${HOOK_SERVICE_PATTERN}`,
                  `arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:task-set/*/${HOOK_SERVICE_PATTERN}/*`,
                ],
              });
            } else if (
              action === 'ecs:DescribeServiceDeployments' ||
              action === 'ecs:StopServiceDeployment' ||
              action === 'ecs:ContinueServiceDeployment'
            ) {
              expect({ action, resources: resources.map(subOf) }).toEqual({
                action,
                resources: EXTERNAL_SERVICE_DEPLOYMENTS,
              });
            } else if (action === 'ecs:DescribeServiceRevisions') {
              expect({ action, resources: resources.map(subOf) }).toEqual({
                action,
                resources: EXTERNAL_SERVICE_REVISIONS,
              });
            } else if (action === 'iam:PassRole' && key === 'start-external') {
              // The role ECS assumes to invoke Greenlight's hook, and the other hooks' roles the
              // update keeps (ecsOtherHookRolePattern) — each only to ECS.
              expect({ action, sid: statement.Sid, resources, condition: statement.Condition }).toEqual({
                action,
                sid: statement.Sid,
                resources:
                  statement.Sid === 'PassOtherHookRolesToEcs'
                    ? [
                        {
                          'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${OTHER_HOOK_ROLE_PATTERN}`,
                        },
                      ]
                    : [{ 'Fn::GetAtt': ['EcsHookInvokeRole', 'Arn'] }],
                condition: { StringEquals: { 'iam:PassedToService': 'ecs.amazonaws.com' } },
              });
              expect(['PassHookInvokeRoleToEcs', 'PassOtherHookRolesToEcs']).toContain(statement.Sid);
            } else if (
              action === 'codedeploy:GetDeploymentConfig' ||
              action === 'codedeploy:CreateDeploymentConfig'
            ) {
              // The configs the plan maps to: CodeDeploy's predefined ones and Greenlight's own.
              expect({ action, resources: resources.map(subOf) }).toEqual({
                action,
                resources: [
                  'arn:${AWS::Partition}:codedeploy:${AWS::Region}:${AWS::AccountId}:deploymentconfig:Greenlight.*',
                  'arn:${AWS::Partition}:codedeploy:${AWS::Region}:${AWS::AccountId}:deploymentconfig:CodeDeployDefault.*',
                ],
              });
            } else if (action === 'ecs:DescribeServices' || action === 'ecs:UpdateService') {
              expect({ action, resources: resources.map(subOf) }).toEqual({
                action,
                // The long ARN (with the cluster) and the short one of services created before 2021.
                resources: [
                  `arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:service/*/${SERVICE_PATTERN}`,
                  `arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:service/${SERVICE_PATTERN}`,
                ],
              });
            } else if (action === 'lambda:InvokeFunction') {
              // The user hooks' functions (userHookFunctionPattern), by name and qualified.
              expect({ action, resources: resources.map(subOf) }).toEqual({
                action,
                resources: [
                  `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:${USER_HOOK_PATTERN}`,
                  `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:${USER_HOOK_PATTERN}:*`,
                ],
              });
            } else if (action === 'ecs:RunTask') {
              expect({ action, resources: resources.map(subOf), condition: statement.Condition }).toEqual({
                action,
                resources: [
                  'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task-definition/gl-*:*',
                ],
                condition: CLUSTER_CONDITION,
              });
            } else if (action === 'ecs:StopTask') {
              expect({ action, resources: resources.map(subOf), condition: statement.Condition }).toEqual({
                action,
                resources: [SCHEDULED_TASKS],
                condition: CLUSTER_CONDITION,
              });
            } else if (action === 'ecs:TagResource' && key === 'start-task') {
              // RunTask's tags, on the task it creates and nothing else.
              expect({ action, resources: resources.map(subOf), condition: statement.Condition }).toEqual({
                action,
                resources: [SCHEDULED_TASKS],
                condition: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
              });
            } else if (action === 'ecs:RegisterTaskDefinition' || action === 'ecs:TagResource') {
              expect({ action, resources: resources.map(subOf) }).toEqual({
                action,
                resources: [
                  'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task-definition/gl-*:*',
                ],
              });
              if (action === 'ecs:TagResource')
                expect(statement.Condition).toEqual({
                  StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' },
                });
            } else if (action === 'application-autoscaling:RegisterScalableTarget') {
              // The ARN ends in an opaque id: this account and region's scalable targets, no more.
              expect({ action, resources: resources.map(subOf), condition: statement.Condition }).toEqual({
                action,
                resources: [
                  'arn:${AWS::Partition}:application-autoscaling:${AWS::Region}:${AWS::AccountId}:scalable-target/*',
                ],
                condition: undefined,
              });
            } else if (action === 'iam:PassRole' && key === 'api') {
              // Only the schedules' execution role, only to Scheduler.
              expect({ action, resources, condition: statement.Condition }).toEqual({
                action,
                resources: [{ 'Fn::GetAtt': ['SchedulerRole', 'Arn'] }],
                condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
              });
            } else if (action.startsWith('scheduler:')) {
              expect({ action, resources }).toEqual({
                action,
                resources: [
                  {
                    'Fn::Sub':
                      'arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}:schedule/${SchedulesGroup}/*',
                  },
                ],
              });
            } else if (action === 'iam:PassRole') {
              expect({ action, resources: resources.map(subOf) }).toEqual({
                action,
                resources: [
                  'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/gl-*',
                  'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/ecsTaskExecutionRole',
                ],
              });
              expect(statement.Condition).toEqual({
                StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
              });
            } else if (
              action === 'elasticloadbalancing:ModifyListener' ||
              action === 'elasticloadbalancing:ModifyRule'
            ) {
              expect({ action, resources: resources.map(subOf) }).toEqual({
                action,
                resources: [
                  'arn:${AWS::Partition}:elasticloadbalancing:${AWS::Region}:${AWS::AccountId}:listener/app/gl-*/*/*',
                  'arn:${AWS::Partition}:elasticloadbalancing:${AWS::Region}:${AWS::AccountId}:listener-rule/app/gl-*/*/*/*',
                ],
              });
            } else if (action === 'aps:QueryMetrics') {
              expect({ action, resources: resources.map(subOf) }).toEqual({
                action,
                resources: [
                  `arn:\${AWS::Partition}:aps:\${AWS::Region}:\${AWS::AccountId}:workspace/${AMP_WORKSPACE}`,
                ],
              });
            } else if (action === 'cloudwatch:DescribeAlarms') {
              expect({ action, resources: resources.map(subOf) }).toEqual({
                action,
                resources: ['arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*'],
              });
            } else if (
              action === 'codedeploy:GetApplicationRevision' ||
              action === 'codedeploy:RegisterApplicationRevision'
            ) {
              // CreateDeployment's dependent actions, on the hooked applications only.
              expect({ action, resources: resources.map(subOf) }).toEqual({
                action,
                resources: [
                  'arn:${AWS::Partition}:codedeploy:${AWS::Region}:${AWS::AccountId}:application:gl-*',
                ],
              });
            } else if (action.startsWith('codedeploy:')) {
              expect({ action, resources: resources.map(subOf) }).toEqual({
                action,
                resources: [HOOKED_DEPLOYMENT_GROUPS],
              });
            } else if (action === 'states:DescribeExecution') {
              // The API also reads its manual runs' executions of the scheduled-task machine; the
              // CodeDeploy hook reads its gate watches only.
              const machines =
                key === 'api'
                  ? ['blue-green', 'scheduled-task']
                  : key === 'codedeploy-hook'
                    ? ['gate-watch']
                    : ['blue-green'];
              const allowed = machines.map(
                (m) =>
                  `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:execution:greenlight-${STAGE}-${m}:*`,
              );
              const scoped = resources.map(subOf);
              expect({ action, scoped, ok: scoped.length === 1 && allowed.includes(scoped[0]!) }).toEqual({
                action,
                scoped,
                ok: true,
              });
            } else if (action === 'states:StartExecution') {
              // The API also starts manual runs of the scheduled-task machine.
              const machines =
                key === 'api'
                  ? ['BlueGreenStateMachine', 'ScheduledTaskStateMachine']
                  : key === 'codedeploy-hook'
                    ? ['GateWatchStateMachine']
                    : ['BlueGreenStateMachine'];
              const ref = (resources[0] as { Ref?: string } | undefined)?.Ref;
              expect({
                action,
                resources,
                ok: resources.length === 1 && machines.includes(ref ?? ''),
              }).toEqual({
                action,
                resources,
                ok: true,
              });
            } else {
              throw new Error(`${key}: no scoping rule in this test for ${action}`);
            }
          }
        }
      },
    );
  });

  describe('scheduled tasks', () => {
    it('deploys the scheduled-task state machine with its steps, each function from functions/schedules/lambda/', () => {
      const machine = template.Resources.ScheduledTaskStateMachine;
      expect(machine?.Properties.StateMachineName).toBe(`greenlight-${STAGE}-scheduled-task`);
      expect(machine?.Properties.StateMachineType).toBe('STANDARD');
      const fns = functionsByKey();
      for (const [key, area] of Object.entries(AREA_OF_FUNCTION).filter(([, a]) => a === 'schedules')) {
        expect({ key, handler: fns[key]?.props.Handler }).toEqual({
          key,
          handler: `functions/${area}/lambda/${key}.handler`,
        });
      }
    });

    it('gives Scheduler an execution role that starts only this machine and writes only the dead letters', () => {
      const role = template.Resources.SchedulerRole!.Properties;
      expect(role.AssumeRolePolicyDocument).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ],
      });
      expect(role.ManagedPolicyArns).toBeUndefined();
      expect(roleStatements('SchedulerRole')).toEqual([
        {
          Sid: 'StartScheduledRuns',
          Effect: 'Allow',
          Action: 'states:StartExecution',
          Resource: { Ref: 'ScheduledTaskStateMachine' },
        },
        {
          Sid: 'DeadLetters',
          Effect: 'Allow',
          Action: 'sqs:SendMessage',
          Resource: { 'Fn::GetAtt': ['SchedulesDeadLetterQueue', 'Arn'] },
        },
      ]);
    });

    it('gives the API role exactly the schedule calls: its group’s schedules, SchedulerRole to Scheduler, manual runs', () => {
      const statements = roleStatements(roleOf(functionsByKey().api!));
      const sids = [
        'Schedules',
        'ListSchedulesNoResourceLevel',
        'PassSchedulerRole',
        'StartManualRuns',
        'DescribeManualRuns',
      ];
      expect(statements.filter((s) => sids.includes(String(s.Sid)))).toEqual([
        {
          Sid: 'Schedules',
          Effect: 'Allow',
          Action: [
            'scheduler:GetSchedule',
            'scheduler:CreateSchedule',
            'scheduler:UpdateSchedule',
            'scheduler:DeleteSchedule',
          ],
          Resource: {
            'Fn::Sub':
              'arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}:schedule/${SchedulesGroup}/*',
          },
        },
        {
          Sid: 'ListSchedulesNoResourceLevel',
          Effect: 'Allow',
          Action: 'scheduler:ListSchedules',
          Resource: '*',
        },
        {
          Sid: 'PassSchedulerRole',
          Effect: 'Allow',
          Action: 'iam:PassRole',
          Resource: { 'Fn::GetAtt': ['SchedulerRole', 'Arn'] },
          Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
        },
        {
          Sid: 'StartManualRuns',
          Effect: 'Allow',
          Action: 'states:StartExecution',
          Resource: { Ref: 'ScheduledTaskStateMachine' },
        },
        {
          Sid: 'DescribeManualRuns',
          Effect: 'Allow',
          Action: 'states:DescribeExecution',
          Resource: {
            'Fn::Sub': `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:execution:greenlight-${STAGE}-scheduled-task:*`,
          },
        },
      ]);
    });

    it('start-external passes the other ECS hooks’ roles only it may pass, and knows their pattern for its pre-flight', () => {
      const fns = functionsByKey();
      const fn = fns['start-external']!;
      const variables = (fn.props.Environment as { Variables: Props }).Variables;
      expect(variables.ECS_OTHER_HOOK_ROLE_PATTERN).toBe(OTHER_HOOK_ROLE_PATTERN);
      expect(roleStatements(roleOf(fn)).find((st) => st.Sid === 'PassOtherHookRolesToEcs')).toEqual({
        Sid: 'PassOtherHookRolesToEcs',
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: {
          'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${OTHER_HOOK_ROLE_PATTERN}`,
        },
        Condition: { StringEquals: { 'iam:PassedToService': 'ecs.amazonaws.com' } },
      });
      const others = Object.entries(fns).filter(([key, f]) => {
        if (key === 'start-external') return false;
        return JSON.stringify(roleStatements(roleOf(f))).includes(`role/${OTHER_HOOK_ROLE_PATTERN}`);
      });
      expect(others.map(([key]) => key)).toEqual([]);
    });

    it('runs the missed-run reconcile every 5 minutes: the group’s schedules read, ledger items only, the topic', () => {
      const fn = functionsByKey()['reconcile-missed']!;
      expect(fn.props.Handler).toBe('functions/schedules/lambda/reconcile-missed.handler');
      const rules = resourcesOfType('AWS::Events::Rule').filter(([, r]) =>
        JSON.stringify(r.Properties.Targets ?? []).includes(fn.logicalId),
      );
      expect(rules.map(([, r]) => r.Properties.ScheduleExpression)).toEqual(['rate(5 minutes)']);
      const variables = (fn.props.Environment as { Variables: Props }).Variables;
      expect(variables.SCHEDULE_GROUP).toEqual({ Ref: 'SchedulesGroup' });
      const own = ['OwnLogGroup', 'XRayNoResourceLevel'];
      expect(roleStatements(roleOf(fn)).filter((s) => !own.includes(String(s.Sid)))).toEqual([
        {
          Sid: 'ReadSchedules',
          Effect: 'Allow',
          Action: 'scheduler:GetSchedule',
          Resource: {
            'Fn::Sub':
              'arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}:schedule/${SchedulesGroup}/*',
          },
        },
        {
          Sid: 'ListSchedulesNoResourceLevel',
          Effect: 'Allow',
          Action: 'scheduler:ListSchedules',
          Resource: '*',
        },
        {
          Sid: 'RunLedger',
          Effect: 'Allow',
          // UpdateItem: a MISSED record's alert delivery state (resent on a later pass).
          Action: ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
          Resource: { 'Fn::GetAtt': ['DeploymentsTable', 'Arn'] },
          Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['SCHEDULE#*'] } },
        },
        { Sid: 'Notify', Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: 'NotificationsTopic' } },
      ]);
    });

    it('creates Greenlight’s schedule group and hands the API its name, the machine, SchedulerRole and the DLQ', () => {
      expect(template.Resources.SchedulesGroup).toEqual({
        Type: 'AWS::Scheduler::ScheduleGroup',
        Properties: { Name: `greenlight-${STAGE}` },
      });
      const variables = (functionsByKey().api!.props.Environment as { Variables: Props }).Variables;
      expect({
        SCHEDULE_GROUP: variables.SCHEDULE_GROUP,
        SCHEDULED_TASK_STATE_MACHINE_ARN: variables.SCHEDULED_TASK_STATE_MACHINE_ARN,
        SCHEDULER_ROLE_ARN: variables.SCHEDULER_ROLE_ARN,
        SCHEDULES_DLQ_ARN: variables.SCHEDULES_DLQ_ARN,
      }).toEqual({
        SCHEDULE_GROUP: { Ref: 'SchedulesGroup' },
        SCHEDULED_TASK_STATE_MACHINE_ARN: { Ref: 'ScheduledTaskStateMachine' },
        SCHEDULER_ROLE_ARN: { 'Fn::GetAtt': ['SchedulerRole', 'Arn'] },
        SCHEDULES_DLQ_ARN: { 'Fn::GetAtt': ['SchedulesDeadLetterQueue', 'Arn'] },
      });
    });

    it('keeps the dead letters 14 days in an encrypted standard queue', () => {
      const queue = template.Resources.SchedulesDeadLetterQueue;
      expect(queue?.Type).toBe('AWS::SQS::Queue');
      expect(queue?.Properties).toEqual({
        QueueName: `greenlight-${STAGE}-schedules-dlq`,
        MessageRetentionPeriod: 1_209_600,
        SqsManagedSseEnabled: true,
      });
    });

    it('lets no scheduled-task function touch ECS services, load balancers or task definitions beyond reading them', () => {
      for (const key of Object.keys(AREA_OF_FUNCTION).filter((k) => AREA_OF_FUNCTION[k] === 'schedules')) {
        const actions = roleStatements(roleOf(functionsByKey()[key]!)).flatMap(actionsOf);
        for (const action of actions) {
          expect({
            key,
            action,
            allowed: !/^(elasticloadbalancing:|ecs:(UpdateService|RegisterTaskDefinition))/.test(action),
          }).toEqual({
            key,
            action,
            allowed: true,
          });
        }
      }
    });
  });

  describe('logs', () => {
    it('sets a retention on every log group', () => {
      const logGroups = resourcesOfType('AWS::Logs::LogGroup');
      expect(logGroups.length).toBeGreaterThan(Object.keys(functionsByKey()).length);
      for (const [logicalId, { Properties }] of logGroups) {
        expect({
          logicalId,
          retention: Number.isInteger(Properties.RetentionInDays) && Number(Properties.RetentionInDays) > 0,
        }).toEqual({ logicalId, retention: true });
      }
    });

    it("creates every function's log group in the stack", () => {
      const names = resourcesOfType('AWS::Logs::LogGroup').map(([, r]) => r.Properties.LogGroupName);
      for (const { props } of Object.values(functionsByKey()))
        expect(names).toContain(`/aws/lambda/${String(props.FunctionName)}`);
    });
  });

  describe('state', () => {
    it('declares the table as shared/aws/table.ts describes it, with PITR, TTL and encryption', () => {
      const [[, table] = []] = resourcesOfType('AWS::DynamoDB::Table');
      expect(table?.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: TABLE_KEY_SCHEMA,
        AttributeDefinitions: TABLE_ATTRIBUTES,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      });
    });

    it('encrypts the notification topic with a key CloudWatch alarms may use, through SNS only for the account', () => {
      expect(template.Resources.NotificationsTopic?.Properties.KmsMasterKeyId).toEqual({
        Ref: 'NotificationsKey',
      });
      const key = template.Resources.NotificationsKey?.Properties as {
        EnableKeyRotation: boolean;
        KeyPolicy: { Statement: { Sid: string; Principal: unknown; Action: unknown; Condition?: unknown }[] };
      };
      expect(key.EnableKeyRotation).toBe(true);
      const bySid = Object.fromEntries(key.KeyPolicy.Statement.map((st) => [st.Sid, st]));
      expect(Object.keys(bySid).sort()).toEqual([
        'AccountAdministers',
        'AccountPublishesThroughSns',
        'CloudWatchAlarmsPublish',
      ]);
      expect(bySid.AccountPublishesThroughSns).toMatchObject({
        Principal: { AWS: '*' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Condition: { StringEquals: { 'kms:CallerAccount': { Ref: 'AWS::AccountId' } } },
      });
      expect(JSON.stringify(bySid.AccountPublishesThroughSns?.Condition)).toContain(
        'sns.${AWS::Region}.amazonaws.com',
      );
      expect(bySid.CloudWatchAlarmsPublish).toMatchObject({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      });
    });
  });

  describe('observability', () => {
    it('sets the EMF namespace the metrics code and the alarms use, and traces functions and state machines', () => {
      const fns = functionsByKey();
      for (const { props } of Object.values(fns)) {
        expect(
          (props.Environment as { Variables: Record<string, unknown> }).Variables
            .POWERTOOLS_METRICS_NAMESPACE,
        ).toBe(METRICS_NAMESPACE);
        expect(props.TracingConfig).toEqual({ Mode: 'Active' });
      }
      for (const [, machine] of resourcesOfType('AWS::StepFunctions::StateMachine')) {
        expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
      }
    });

    it('gives every function role X-Ray writes, on Resource "*" only because X-Ray has no resource types', () => {
      for (const { props } of Object.values(functionsByKey())) {
        const xray = roleStatements(roleOf({ props })).filter((st) =>
          JSON.stringify(st.Action).includes('xray:'),
        );
        expect(xray).toEqual([
          {
            Sid: 'XRayNoResourceLevel',
            Effect: 'Allow',
            Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
            Resource: '*',
          },
        ]);
      }
    });

    it('alarms on any failed rollback and on reconcile errors or throttles, notifying the topic', () => {
      const alarms = Object.fromEntries(resourcesOfType('AWS::CloudWatch::Alarm'));
      expect(alarms.RollbackFailedAlarm?.Properties).toMatchObject({
        Namespace: METRICS_NAMESPACE,
        MetricName: METRIC.ROLLBACK_FAILED,
        Dimensions: [{ Name: 'service', Value: DEFAULT_SERVICE }],
        Statistic: 'Sum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: 'NotificationsTopic' }],
      });
      const reconcile = functionsByKey().reconcile!;
      expect(alarms.ReconcileErrorsAlarm?.Properties).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: reconcile.props.FunctionName }],
        Statistic: 'Sum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [{ Ref: 'NotificationsTopic' }],
      });
      // reservedConcurrency 1 is what makes throttles possible: the alarm watches that function.
      expect(reconcile.props.ReservedConcurrentExecutions).toBe(1);
      expect(alarms.ReconcileThrottlesAlarm?.Properties).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Throttles',
        Dimensions: [{ Name: 'FunctionName', Value: reconcile.props.FunctionName }],
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: 'NotificationsTopic' }],
      });
    });

    it('has a dashboard of outcomes, gate verdicts, durations and reconcile errors, by the names the code emits', () => {
      const [[, dashboard] = []] = resourcesOfType('AWS::CloudWatch::Dashboard');
      const [body, vars] = (
        dashboard!.Properties.DashboardBody as { 'Fn::Sub': [string, Record<string, string>] }
      )['Fn::Sub'];
      const resolved = Object.entries({ ...vars, 'AWS::Region': 'eu-west-1' }).reduce(
        (text, [k, v]) => text.split(`\${${k}}`).join(v),
        body,
      );
      const widgets = (
        JSON.parse(resolved) as { widgets: { properties: { title: string; metrics: unknown[][] } }[] }
      ).widgets;
      const byTitle = Object.fromEntries(widgets.map((w) => [w.properties.title, w.properties.metrics]));
      expect(Object.keys(byTitle)).toEqual([
        'Deployments by outcome',
        'Gate verdicts',
        'Durations (ms)',
        'Reconcile errors',
      ]);
      const names = (title: string) => byTitle[title]!.map((m) => `${m[0]}/${m[1]}`);
      expect(names('Deployments by outcome')).toEqual(
        [METRIC.started, METRIC.PROMOTED, METRIC.ROLLED_BACK, METRIC.ROLLBACK_FAILED, METRIC.REJECTED].map(
          (n) => `Greenlight/${n}`,
        ),
      );
      expect(byTitle['Gate verdicts']!.map((m) => m[5])).toEqual(['pass', 'fail', 'inconclusive']);
      expect(new Set(names('Durations (ms)'))).toEqual(
        new Set([`Greenlight/${METRIC.duration}`, `Greenlight/${METRIC.timeToDetect}`]),
      );
      expect(byTitle['Reconcile errors']).toEqual([
        ['AWS/Lambda', 'Errors', 'FunctionName', functionsByKey().reconcile!.props.FunctionName],
      ]);
    });
  });
});
