/**
 * The CLI facing what hostile input and a broken network make of the API: bad input exits 2 with
 * the field named, an API that cannot be reached is named with the cause, never a bare
 * "fetch failed".
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { handleApiRequest, type ApiDeps } from '../../../functions/api/api';
import { utf8Bytes } from '../../../shared/domain/request-limits';
import { LocalExecutions } from '../../../shared/local/sfn/local-executions';
import { deploymentsCommand } from '../../../bin/deployments';
import { ManualClock, MemoryStore, silentLogger } from '../../support/memory-ports';
import { apiEvent } from '../../fixtures/api-events';
import { specFor } from '../../fixtures/spec';

async function run(command: string, args: string[], fetch?: typeof globalThis.fetch) {
  let stdout = '';
  let stderr = '';
  const code = await deploymentsCommand(command, args, {
    stdout: { write: (c: string) => (stdout += c) },
    stderr: { write: (c: string) => (stderr += c) },
    env: {},
    ...(fetch ? { fetch } : {}),
  });
  return { code, stdout, stderr };
}

function specFile(spec: unknown): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'greenlight-cli-')), 'web.json');
  writeFileSync(file, JSON.stringify(spec));
  return file;
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A fetch answered by the real API handler, over a lookup that refuses keys DynamoDB refuses (simulated). */
function handlerFetch(): typeof globalThis.fetch {
  const deps: ApiDeps = {
    executions: new LocalExecutions(() => new Promise<boolean>(() => undefined)),
    store: new MemoryStore(),
    deployments: {
      runningDeployment: async ({ cluster, service }) => {
        if (utf8Bytes(`LOCK#${cluster}/${service}`) > 2048)
          throw new Error('ValidationException: key too long');
        return null;
      },
    },
    clock: new ManualClock(Date.UTC(2026, 10, 25)),
    logger: silentLogger(),
  };
  return (async (_input: URL | string, init: RequestInit = {}) => {
    const result = await handleApiRequest(deps, apiEvent('POST /deployments', { body: String(init.body) }));
    return new Response(result.body ?? '', { status: result.statusCode ?? 200 });
  }) as typeof globalThis.fetch;
}

describe('greenlight CLI against hostile input and a broken network', () => {
  it('exits 2 naming spec.cluster for a cluster whose lock key cannot be stored', async () => {
    const spec = specFor({ cluster: 'c'.repeat(2045) });

    const result = await run(
      'deploy',
      ['--api', 'http://127.0.0.1:9', '--spec', specFile(spec), '--image', 'registry/web:2'],
      handlerFetch(),
    );

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/400 InvalidInputError: spec\.cluster: the cluster name takes 2045 bytes/);
  });

  it('names the URL and the cause when nothing listens, and exits 1', async () => {
    const port = await closedPort();

    const result = await run('status', ['--api', `http://127.0.0.1:${port}`, 'web-1']);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`http://127.0.0.1:${port}/deployments/web-1`);
    expect(result.stderr).toContain('ECONNREFUSED');
    expect(result.stderr).not.toMatch(/: fetch failed\n/);
  });

  it('says the API did not answer in time on a timeout', async () => {
    const timingOut = (async () => {
      throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    }) as typeof globalThis.fetch;

    const result = await run('status', ['--api', 'http://127.0.0.1:9', '--json', 'web-1'], timingOut);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'http://127.0.0.1:9/deployments/web-1 could not be reached (no answer before the timeout, 30 s)',
    );
    expect(JSON.parse(result.stdout)).toMatchObject({ error: 'ApiUnreachableError' });
  });
});
