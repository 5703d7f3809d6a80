/**
 * Checks API responses against the committed OpenAPI document (docs/openapi.json): the status must
 * be one the route documents, and the JSON body must match the documented schema (ajv, JSON Schema
 * 2020-12, the dialect of OpenAPI 3.1). test/unit/api/openapi.test.ts keeps the file current.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { ApiResult } from '../../functions/api/http';

const DOCUMENT_ID = 'greenlight-openapi.json';

export const openApiFile = resolve(__dirname, '..', '..', 'docs', 'openapi.json');

interface Operation {
  responses: Record<string, { content?: Record<string, { schema: { $ref: string } }> }>;
}

let compiled: { ajv: Ajv2020; paths: Record<string, Record<string, Operation>> } | undefined;

function load() {
  if (compiled) return compiled;
  const document = JSON.parse(readFileSync(openApiFile, 'utf8')) as {
    paths: Record<string, Record<string, Operation>>;
  };
  // strict off: the document carries OpenAPI keywords (paths, info...) ajv does not know.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(document, DOCUMENT_ID);
  compiled = { ajv, paths: document.paths };
  return compiled;
}

/** What is wrong with `result` as an answer of `routeKey` per the document; [] when nothing. */
export function openApiProblems(routeKey: string, result: ApiResult): string[] {
  const { ajv, paths } = load();
  const [method = '', path = ''] = routeKey.split(' ');
  const operation = paths[path]?.[method.toLowerCase()];
  const status = String(result.statusCode);
  const contentType = String(result.headers?.['content-type'] ?? '').split(';')[0]!;
  // A route API Gateway would never hand over (tests send some): only the error shape applies.
  const unknownRoute = {
    404: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
  };
  const response = (operation?.responses ?? (unknownRoute as Operation['responses']))[status];
  if (!response) return [`${routeKey}: status ${status} is not documented`];
  const media = response.content?.[contentType];
  if (!media) return [`${routeKey} ${status}: content type ${contentType || '(none)'} is not documented`];
  if (contentType !== 'application/json') return [];
  const validate = ajv.getSchema(`${DOCUMENT_ID}${media.schema.$ref}`);
  if (!validate) return [`${routeKey} ${status}: schema ${media.schema.$ref} not found`];
  const body: unknown = JSON.parse(String(result.body));
  if (validate(body)) return [];
  return (validate.errors ?? []).map(
    (e) => `${routeKey} ${status}: ${e.instancePath || '(body)'} ${e.message} ${JSON.stringify(e.params)}`,
  );
}

/** Fails the test when `result` does not match the document; returns it for chaining. */
export function expectDocumented(routeKey: string, result: ApiResult): ApiResult {
  const problems = openApiProblems(routeKey, result);
  if (problems.length > 0)
    throw new Error(`response does not match docs/openapi.json:\n${problems.join('\n')}`);
  return result;
}
