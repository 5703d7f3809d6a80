/**
 * `greenlight deploy | status | history | deployments | approve | promote | abort | pause | resume`:
 * the deploy HTTP API from the command line (README.md, "The deploy API and the CLI").
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { DeploymentEvent, DeploymentRecord } from '../shared/domain/deployment';
import { CONTROL_ACTIONS } from '../shared/domain/deployment';
import { ApiClient, ApiError, ApiUnreachableError, ApiUsageError, type ApiClientOptions } from './api-client';
import type { DryRunPlan } from '../shared/domain/dry-run';
import { historySentences, historyTable } from './history-view';
import { formatPlan } from './plan-view';
import type { RecordView } from './status-view';
import { watchDeployment, watchMode } from './watch';

export const DEPLOYMENT_COMMANDS = [
  'deploy',
  'plan',
  'status',
  'history',
  'deployments',
  ...CONTROL_ACTIONS,
] as const;

export const DEPLOYMENTS_USAGE = `usage:
  greenlight deploy --spec FILE.json --image IMAGE [--idempotency-key KEY] [--deployment-id ID]
                    [--force] [--wait [--poll-seconds N]]
  greenlight plan --spec FILE.json --image IMAGE [--force]
                                        a dry run: what the deployment would find and do (live color,
                                        task definition diff, weights, alarms, steps, worst case,
                                        history budget), changing nothing: no execution, no lock
  greenlight status ID                  the deployment's record: status, colors, step, control, error
  greenlight status ID --watch [--poll-seconds N]
                                        follow it live until it ends: step and hold progress, weights,
                                        each color's requests, 5xx rate and p99, the gate's last
                                        verdict, an awaited approval (redrawn in place on a terminal;
                                        one line per change in a pipe, one JSON object per change with --json)
  greenlight history ID [--verbose]     its events, oldest first: verdicts as a table of green vs blue
                                        figures; --verbose: every event's full sentence
  greenlight deployments SERVICE [--limit N]   the service's recent deployments, newest first
  greenlight approve|promote|abort|pause|resume ID

options (every command):
  --api URL       the deploy API (stack output HttpApiUrl), or GREENLIGHT_API_URL; requests are
                  SigV4-signed with the default AWS credential chain, except to a local API
                  (http://127.0.0.1:PORT, see greenlight serve), which is sent unsigned
  --region R      signing region when the URL does not name it (else AWS_REGION)
  --json          print the API's JSON answer (errors too) on stdout, for scripts

A retried deploy with the same --idempotency-key returns the same deployment and never starts a
second one. --wait follows the deployment to its end, shown as status --watch shows it.
exit status: 0 done (--wait: promoted), 1 failure (API unreachable, 5xx), 2 bad usage or input
(400, 404), 3 conflict (409: another deployment runs, key reused, deployment ended),
4 --wait: the deployment ended without being promoted, 5 plan: the deployment would be refused
`;

export interface DeploymentsIo {
  /** `isTTY` and `columns` as on process.stdout: a terminal gets the live view redrawn in place. */
  stdout: { write(chunk: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(chunk: string): unknown };
  env: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  credentials?: ApiClientOptions['credentials'];
  sleep?: (ms: number) => Promise<void>;
}

const COMMON_OPTIONS = {
  api: { type: 'string' },
  region: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

const DEPLOY_OPTIONS = {
  ...COMMON_OPTIONS,
  spec: { type: 'string' },
  image: { type: 'string' },
  'idempotency-key': { type: 'string' },
  'deployment-id': { type: 'string' },
  force: { type: 'boolean', default: false },
  wait: { type: 'boolean', default: false },
  'poll-seconds': { type: 'string', default: '2' },
} as const;

const PLAN_OPTIONS = {
  ...COMMON_OPTIONS,
  spec: { type: 'string' },
  image: { type: 'string' },
  force: { type: 'boolean', default: false },
} as const;

const LIST_OPTIONS = { ...COMMON_OPTIONS, limit: { type: 'string' } } as const;

const READ_OPTIONS = {
  ...COMMON_OPTIONS,
  watch: { type: 'boolean', default: false },
  'poll-seconds': { type: 'string', default: '2' },
  verbose: { type: 'boolean', default: false },
} as const;

class UsageError extends Error {}

/** Runs one of DEPLOYMENT_COMMANDS; returns the exit status. */
export async function deploymentsCommand(
  command: string,
  args: string[],
  io: DeploymentsIo,
): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(DEPLOYMENTS_USAGE);
    return 0;
  }
  let json = args.includes('--json');
  try {
    switch (command) {
      case 'deploy': {
        const { values } = parseArgs({
          args,
          options: DEPLOY_OPTIONS,
          strict: true,
          allowPositionals: false,
        });
        json = values.json;
        return await deploy(values, client(values, io), io);
      }
      case 'plan': {
        const { values } = parseArgs({ args, options: PLAN_OPTIONS, strict: true, allowPositionals: false });
        json = values.json;
        return await plan(values, client(values, io), io);
      }
      case 'deployments': {
        const { values, positionals } = parseArgs({ args, options: LIST_OPTIONS, allowPositionals: true });
        json = values.json;
        const service = single(positionals, 'SERVICE');
        const path = `/services/${encodeURIComponent(service)}/deployments`;
        const query: Record<string, string> = values.limit !== undefined ? { limit: values.limit } : {};
        const reply = await client(values, io).request('GET', path, { query });
        const body = reply.body as { deployments: { id: string; startedAt: number }[] };
        if (json) return printJson(io, reply.body);
        if (body.deployments.length === 0) io.stdout.write(`no deployments of ${service}\n`);
        for (const d of body.deployments)
          io.stdout.write(`${d.id}  ${new Date(d.startedAt).toISOString()}\n`);
        return 0;
      }
      default: {
        const read = command === 'status' || command === 'history';
        const { values, positionals } = parseArgs({
          args,
          options: read ? READ_OPTIONS : COMMON_OPTIONS,
          allowPositionals: true,
        });
        json = values.json;
        const reading = values as { watch?: boolean; 'poll-seconds'?: string; verbose?: boolean };
        const id = single(positionals, 'ID');
        if (command === 'history' && reading.watch) throw new UsageError('--watch: for status, not history');
        if (command === 'status' && reading.verbose)
          throw new UsageError('--verbose: for history, not status');
        const api = client(values, io);
        const path = `/deployments/${encodeURIComponent(id)}`;
        if (command === 'status') {
          if (reading.watch) {
            const intervalMs = pollInterval(reading['poll-seconds'] ?? '2');
            const record = await watchDeployment(api, id, watchOptions(io, json, intervalMs));
            if (!json && watchMode(io.stdout, json) === 'lines') io.stdout.write(formatRecord(record));
            return 0;
          }
          const reply = await api.request('GET', path);
          if (json) return printJson(io, reply.body);
          io.stdout.write(formatRecord(reply.body as RecordView));
          return 0;
        }
        if (command === 'history') {
          const reply = await api.request('GET', `${path}/events`);
          if (json) return printJson(io, reply.body);
          const events = (reply.body as { events: DeploymentEvent[] }).events;
          io.stdout.write(reading.verbose ? historySentences(events) : historyTable(events));
          return 0;
        }
        if ((CONTROL_ACTIONS as readonly string[]).includes(command)) {
          const reply = await api.request('POST', `${path}/${command}`);
          if (json) return printJson(io, reply.body);
          io.stdout.write(
            `${command} recorded for ${id}: the deployment acts on it at its next gate evaluation\n`,
          );
          return 0;
        }
        throw new UsageError(`unknown command "${command}"`);
      }
    }
  } catch (error) {
    return failure(error, command, json, io);
  }
}

function client(
  values: { api?: string | undefined; region?: string | undefined },
  io: DeploymentsIo,
): ApiClient {
  const url = values.api ?? io.env.GREENLIGHT_API_URL;
  if (!url) throw new UsageError('--api: the deploy API URL is required (or set GREENLIGHT_API_URL)');
  return new ApiClient({
    url,
    env: io.env,
    ...(values.region ? { region: values.region } : {}),
    ...(io.fetch ? { fetch: io.fetch } : {}),
    ...(io.credentials ? { credentials: io.credentials } : {}),
  });
}

function single(positionals: string[], name: string): string {
  if (positionals.length !== 1 || !positionals[0]) {
    throw new UsageError(`expected exactly one ${name}, got ${positionals.length}`);
  }
  return positionals[0];
}

function printJson(io: DeploymentsIo, body: unknown): number {
  io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  return 0;
}

function failure(error: unknown, command: string, json: boolean, io: DeploymentsIo): number {
  if (error instanceof UsageError || error instanceof ApiUsageError || isParseArgsError(error)) {
    io.stderr.write(`greenlight ${command}: ${(error as Error).message}\n\n${DEPLOYMENTS_USAGE}`);
    return 2;
  }
  if (error instanceof ApiError) {
    if (json) io.stdout.write(`${JSON.stringify({ status: error.status, ...error.body }, null, 2)}\n`);
    const issues = error.body.issues ?? [];
    // Several bad fields read better one per line than as the API's one-line summary.
    const detail =
      issues.length > 1
        ? `invalid request${issues.map((i) => `\n  ${i.path}: ${i.message}`).join('')}`
        : error.message;
    io.stderr.write(`greenlight ${command}: ${error.status} ${error.body.error ?? 'error'}: ${detail}\n`);
    if (error.status === 409) return 3;
    if (error.status >= 400 && error.status < 500 && error.status !== 403) return 2;
    return 1;
  }
  if (error instanceof ApiUnreachableError) {
    if (json) io.stdout.write(`${JSON.stringify({ error: error.name, message: error.message }, null, 2)}\n`);
    io.stderr.write(`greenlight ${command}: ${error.message}\n`);
    return 1;
  }
  io.stderr.write(`greenlight ${command}: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

type DeployValues = {
  spec?: string | undefined;
  image?: string | undefined;
  'idempotency-key'?: string | undefined;
  'deployment-id'?: string | undefined;
  force: boolean;
  wait: boolean;
  'poll-seconds': string;
  json: boolean;
};

async function deploy(values: DeployValues, api: ApiClient, io: DeploymentsIo): Promise<number> {
  if (!values.spec) throw new UsageError('--spec: the deployment spec file (JSON) is required');
  if (!values.image) throw new UsageError('--image: the image to deploy is required');
  const intervalMs = pollInterval(values['poll-seconds']);
  const spec = await readSpec(values.spec);
  const key = values['idempotency-key'];
  const reply = await api.request('POST', '/deployments', {
    body: {
      image: values.image,
      spec,
      ...(values.force ? { force: true } : {}),
      ...(values['deployment-id'] ? { deploymentId: values['deployment-id'] } : {}),
    },
    headers: key !== undefined ? { 'idempotency-key': key } : {},
  });
  const started = reply.body as { deploymentId: string; outcome: 'started' | 'existing' };
  if (values.json && !values.wait) return printJson(io, reply.body);
  if (!values.json) {
    io.stdout.write(
      started.outcome === 'started'
        ? `started deployment ${started.deploymentId}\n`
        : `deployment ${started.deploymentId} was already started by this request: not started again\n`,
    );
  }
  if (!values.wait) {
    io.stdout.write(`follow it with: greenlight status ${started.deploymentId}\n`);
    return 0;
  }
  const record = await watchDeployment(api, started.deploymentId, watchOptions(io, values.json, intervalMs));
  // With --json the last line is the outcome: the request's answer with the final record.
  if (values.json) io.stdout.write(`${JSON.stringify({ ...started, deployment: record })}\n`);
  else if (watchMode(io.stdout, false) === 'lines') io.stdout.write(formatRecord(record));
  return record.status === 'PROMOTED' ? 0 : 4;
}

async function readSpec(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`--spec: ${file} is not readable JSON: ${(error as Error).message}`);
  }
}

/** `greenlight plan`: POST /deployments with `dryRun: true`; exit 5 when the deployment would be refused. */
async function plan(
  values: { spec?: string | undefined; image?: string | undefined; force: boolean; json: boolean },
  api: ApiClient,
  io: DeploymentsIo,
): Promise<number> {
  if (!values.spec) throw new UsageError('--spec: the deployment spec file (JSON) is required');
  if (!values.image) throw new UsageError('--image: the image to deploy is required');
  const spec = await readSpec(values.spec);
  const reply = await api.request('POST', '/deployments', {
    body: { dryRun: true, image: values.image, spec, ...(values.force ? { force: true } : {}) },
  });
  const { plan: result } = reply.body as { plan: DryRunPlan };
  if (values.json) printJson(io, reply.body);
  else io.stdout.write(formatPlan(result));
  return result.wouldStart ? 0 : 5;
}

function pollInterval(text: string): number {
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 0.1 || seconds > 300) {
    throw new UsageError(`--poll-seconds: expected a number from 0.1 to 300, got "${text}"`);
  }
  return seconds * 1000;
}

function watchOptions(io: DeploymentsIo, json: boolean, intervalMs: number) {
  return {
    mode: watchMode(io.stdout, json),
    intervalMs,
    out: io.stdout,
    ...(io.stdout.columns ? { columns: io.stdout.columns } : {}),
    ...(io.sleep ? { sleep: io.sleep } : {}),
  };
}

function stepText(step: DeploymentRecord['currentStep']): string {
  if (!step) return '';
  return step.phase === 'bake' ? `bake at ${step.weight} %` : `step ${step.index + 1} at ${step.weight} %`;
}

const time = (ms: number | undefined) => (ms === undefined ? '' : new Date(ms).toISOString());

/** The record as a few aligned lines. */
export function formatRecord(record: RecordView): string {
  const lines: [string, string | undefined][] = [
    ['service', record.service && `${record.service} (cluster ${record.cluster})`],
    ['image', record.image],
    ['colors', record.liveColor && record.newColor && `${record.liveColor} live → ${record.newColor} new`],
    [
      'step',
      record.status === 'IN_PROGRESS'
        ? `${stepText(record.currentStep)}${record.awaitingApproval ? ` (needs approval: greenlight approve ${record.id})` : ''}` ||
          undefined
        : undefined,
    ],
    ['last step', record.lastStep && stepText(record.lastStep)],
    ['weight', record.lastWeight !== undefined ? `${record.lastWeight} % on the new color` : undefined],
    ['requested', record.requestedBy && `by ${record.requestedBy} at ${time(record.startedAt)}`],
    ['ended', time(record.endedAt) || undefined],
    [
      'control',
      record.control && `${record.control.action} by ${record.control.by} at ${time(record.control.at)}`,
    ],
    [
      'approved',
      record.approvedSteps?.length ? `steps ${record.approvedSteps.map((i) => i + 1).join(', ')}` : undefined,
    ],
    ['execution', record.execution],
    ['error', record.error && `${record.error.error}: ${record.error.cause}`],
    ['warning', record.warning],
  ];
  return [
    `${record.id}  ${record.status}\n`,
    ...lines.filter(([, value]) => value).map(([label, value]) => `  ${label.padEnd(10)} ${value}\n`),
  ].join('');
}

/** One line per event: time, type, message. */
export function formatEvents(events: DeploymentEvent[]): string {
  if (events.length === 0) return 'no events yet\n';
  const width = Math.max(...events.map((e) => e.type.length));
  return events.map((e) => `${time(e.at)}  ${e.type.padEnd(width)}  ${e.message}\n`).join('');
}
