import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { handleApiRequest, type ApiDeps } from '../../../functions/api/api';
import { json } from '../../../functions/api/http';
import { openApiDocument, openApiText, ROUTE_CONTRACTS } from '../../../functions/api/openapi';
import { GATEWAY_ROUTES } from '../../../functions/api/routes';
import { LocalExecutions } from '../../../shared/local/sfn/local-executions';
import { apiEvent, bodyOf } from '../../fixtures/api-events';
import { ManualClock, MemoryStore, silentLogger } from '../../support/memory-ports';
import { expectDocumented, openApiFile, openApiProblems } from '../../support/openapi-check';

const VALIDATOR_CLI = resolve(
  __dirname,
  '../../../node_modules/@seriousme/openapi-schema-validator/bin/validate-api-cli.js',
);

/** The package's own CLI (it ships ES modules only, which Jest's CommonJS runtime cannot load). */
function validateDocument(file: string): { valid: boolean; errors?: unknown[] } {
  let out: string;
  try {
    out = execFileSync(process.execPath, [VALIDATOR_CLI, file], { encoding: 'utf8' });
  } catch (error) {
    // It exits non-zero for an invalid document, with the verdict on stdout all the same.
    out = String((error as { stdout?: unknown }).stdout ?? '');
  }
  return JSON.parse(out) as { valid: boolean; errors?: unknown[] };
}

type Doc = { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };

describe('OpenAPI document', () => {
  it('is committed as generated: docs/openapi.json matches the zod schemas (npm run openapi)', () => {
    expect(readFileSync(openApiFile, 'utf8')).toBe(openApiText());
  });

  it('is a valid OpenAPI 3.1 document for @seriousme/openapi-schema-validator', () => {
    const result = validateDocument(openApiFile);

    expect(result).toEqual({ valid: true });
  });

  it('the validator rejects a broken document (the check above can fail)', () => {
    const broken = openApiDocument() as Doc;
    broken.paths['/deployments']!.post!.responses = { 202: { content: {} } }; // no description
    const file = join(tmpdir(), `greenlight-openapi-broken-${process.pid}.json`);
    writeFileSync(file, JSON.stringify(broken));

    expect(validateDocument(file).valid).toBe(false);
  });

  it('describes every route of GATEWAY_ROUTES, with its success and error responses', () => {
    const doc = openApiDocument() as Doc;

    for (const routeKey of GATEWAY_ROUTES) {
      const [method, path] = routeKey.split(' ') as [string, string];
      const operation = doc.paths[path]?.[method.toLowerCase()];
      expect(operation).toBeDefined();
      const statuses = Object.keys(operation!.responses);
      for (const status of Object.keys(ROUTE_CONTRACTS[routeKey].responses))
        expect(statuses).toContain(status);
      expect(statuses).toEqual(expect.arrayContaining(['400', '403', '500']));
    }
    expect(Object.values(doc.paths).flatMap((p) => Object.keys(p))).toHaveLength(GATEWAY_ROUTES.length);
  });

  it('takes its request schemas from the validators: the deploy body refuses requestedBy and unknown fields', () => {
    const doc = openApiDocument() as { components: { schemas: Record<string, Record<string, unknown>> } };
    const deploy = doc.components.schemas.DeployRequest!;

    expect(deploy.required).toEqual(expect.arrayContaining(['image', 'spec']));
    expect(Object.keys(deploy.properties as object)).not.toContain('requestedBy');
    expect(deploy.additionalProperties).toBe(false);
  });
});

describe('GET /openapi.json', () => {
  it('serves the document to an IAM caller, and refuses a request without one', async () => {
    const deps: ApiDeps = {
      executions: new LocalExecutions(async () => true),
      store: new MemoryStore(),
      deployments: { runningDeployment: async () => null },
      clock: new ManualClock(0),
      logger: silentLogger(),
    };

    const served = expectDocumented(
      'GET /openapi.json',
      await handleApiRequest(deps, apiEvent('GET /openapi.json')),
    );
    const anonymous = await handleApiRequest(deps, apiEvent('GET /openapi.json', { caller: null }));

    expect(served.statusCode).toBe(200);
    expect(bodyOf(served)).toEqual(JSON.parse(openApiText()));
    expect(anonymous.statusCode).toBe(403);
  });
});

describe('response check against the document', () => {
  const started = {
    deploymentId: 'web-1',
    outcome: 'started',
    links: { self: '/d/web-1', events: '/d/web-1/e' },
  };

  it('accepts a documented answer', () => {
    expect(openApiProblems('POST /deployments', json(202, started))).toEqual([]);
  });

  it('reports a missing field, an unknown field, a wrong enum value and an undocumented status', () => {
    const { links: _links, ...withoutLinks } = started;

    expect(openApiProblems('POST /deployments', json(202, withoutLinks))).toEqual([
      expect.stringContaining("must have required property 'links'"),
    ]);
    expect(openApiProblems('POST /deployments', json(202, { ...started, extra: 1 }))).toEqual([
      expect.stringContaining('must NOT have additional properties'),
    ]);
    expect(openApiProblems('POST /deployments', json(202, { ...started, outcome: 'maybe' }))).toEqual([
      expect.stringContaining('must be equal to one of the allowed values'),
    ]);
    expect(openApiProblems('POST /deployments', json(204, started))).toEqual([
      'POST /deployments: status 204 is not documented',
    ]);
  });
});
