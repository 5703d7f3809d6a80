/**
 * `greenlight report ID [--out FILE]`: a deployment's HTML report from the deploy API
 * (`GET /deployments/{id}/report`), and the file the demo and `serve` write for each deployment.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { DeploymentEvent, DeploymentRecord } from '../shared/domain/deployment';
import { DeploymentIdSchema } from '../shared/domain/deployment';
import type * as RenderReport from '../shared/report/render-report';
import { ApiClient, ApiError, ApiUnreachableError, ApiUsageError, type ApiClientOptions } from './api-client';

export const REPORT_USAGE = `usage: greenlight report ID [--out FILE] [--api URL] [--region R]

  Writes the deployment's report, one self-contained HTML page (charts of the weights, the gate's
  verdicts and each color's 5xx rate and p99; alarms, probes and the event history), to FILE
  (default .greenlight/reports/ID.html; "-" for stdout) and prints its path.
  --api URL   the deploy API (or GREENLIGHT_API_URL), as for the other deployment commands
`;

export interface ReportIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  env: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  credentials?: ApiClientOptions['credentials'];
}

/** Where the demo, `serve` and `report` put a deployment's report. */
export const reportPath = (workDir: string, deploymentId: string) =>
  path.join(workDir, 'reports', `${deploymentId}.html`);

/** Renders and writes the report of a local deployment; returns the file and the figures. */
export async function writeReport(
  workDir: string,
  record: DeploymentRecord,
  events: DeploymentEvent[],
): Promise<{ file: string; bytes: number; renderMs: number }> {
  // Loaded on use, so the other commands do not load the chart libraries.
  const { renderReport } = require('../shared/report/render-report') as typeof RenderReport;
  const { html, renderMs } = await renderReport(record, events);
  const file = reportPath(workDir, record.id);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, html);
  return { file, bytes: Buffer.byteLength(html), renderMs };
}

/** Runs `greenlight report`; returns the exit status (as the deployment commands: 2 usage/4xx, 1 failure). */
export async function reportCommand(args: string[], io: ReportIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(REPORT_USAGE);
    return 0;
  }
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { out: { type: 'string' }, api: { type: 'string' }, region: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1)
      throw new ApiUsageError(`expected one deployment ID, got ${positionals.length}`);
    const id = DeploymentIdSchema.safeParse(positionals[0]);
    if (!id.success) throw new ApiUsageError(`ID: ${id.error.issues[0]?.message ?? 'invalid'}`);
    const url = values.api ?? io.env.GREENLIGHT_API_URL;
    if (!url) throw new ApiUsageError('--api: the deploy API URL is required (or set GREENLIGHT_API_URL)');
    const api = new ApiClient({
      url,
      env: io.env,
      ...(values.region ? { region: values.region } : {}),
      ...(io.fetch ? { fetch: io.fetch } : {}),
      ...(io.credentials ? { credentials: io.credentials } : {}),
    });
    const reply = await api.request('GET', `/deployments/${encodeURIComponent(id.data)}/report`, {
      headers: { accept: 'text/html' },
    });
    if (typeof reply.body !== 'string' || !reply.headers.get('content-type')?.startsWith('text/html')) {
      throw new Error(
        `the API answered ${reply.headers.get('content-type') ?? 'no content type'}, not an HTML report`,
      );
    }
    if (values.out === '-') {
      io.stdout.write(reply.body);
      return 0;
    }
    const file = values.out ?? reportPath('.greenlight', id.data);
    await mkdir(path.dirname(path.resolve(file)), { recursive: true });
    await writeFile(file, reply.body);
    io.stdout.write(`report: ${file} (${(Buffer.byteLength(reply.body) / 1024).toFixed(1)} KB)\n`);
    return 0;
  } catch (error) {
    if (error instanceof ApiUsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`greenlight report: ${(error as Error).message}\n\n${REPORT_USAGE}`);
      return 2;
    }
    if (error instanceof ApiError) {
      io.stderr.write(
        `greenlight report: ${error.status} ${error.body.error ?? 'error'}: ${error.message}\n`,
      );
      return error.status >= 400 && error.status < 500 ? 2 : 1;
    }
    if (error instanceof ApiUnreachableError) {
      io.stderr.write(`greenlight report: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
