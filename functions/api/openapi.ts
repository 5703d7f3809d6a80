/**
 * The deploy API's OpenAPI 3.1 document, generated from the zod schemas the routes parse with and
 * type their responses with (functions/api/api-schemas.ts), through zod's own JSON Schema output.
 * Served at GET /openapi.json and committed as docs/openapi.json (`npm run openapi`).
 */
import { z } from 'zod';
import {
  ControlParams,
  ControlResponseSchema,
  DeployBodySchema,
  DeployHeaders,
  DeploymentResponseSchema,
  ErrorResponseSchema,
  EventsResponseSchema,
  IdParams,
  ListQuery,
  ManualRunResponseSchema,
  NameParams,
  OpenApiResponseSchema,
  ReportPageSchema,
  RunsQuery,
  RunsResponseSchema,
  ScheduleBodySchema,
  ScheduleDeletedResponseSchema,
  ScheduleListResponseSchema,
  ScheduleResponseSchema,
  ScheduleWriteResponseSchema,
  ServiceDeploymentsResponseSchema,
  ServiceParams,
  StartedOrPlannedResponseSchema,
  StartedResponseSchema,
} from './api-schemas';
import { GATEWAY_ROUTES, REPORT_ROUTE, type ApiRouteKey } from './routes';

type ObjectSchema = z.ZodObject;

interface ResponseContract {
  description: string;
  /** Named in components.schemas (the key of RESPONSE_SCHEMAS). */
  schema: keyof typeof RESPONSE_SCHEMAS;
  contentType?: string;
}

/** What one route takes and answers. */
export interface RouteContract {
  summary: string;
  path?: ObjectSchema;
  query?: ObjectSchema;
  headers?: ObjectSchema;
  body?: { schema: keyof typeof REQUEST_SCHEMAS; description: string };
  responses: Record<number, ResponseContract>;
  /** Error statuses the route can answer beyond 400, 403 and 500, which every route can. */
  errors?: number[];
}

/** Request bodies, as components.schemas (input side: defaults optional). */
export const REQUEST_SCHEMAS = {
  DeployRequest: DeployBodySchema,
  ScheduleSpec: ScheduleBodySchema,
} as const;

/** Response bodies, as components.schemas (output side: what is sent). */
export const RESPONSE_SCHEMAS = {
  Error: ErrorResponseSchema,
  StartedDeployment: StartedResponseSchema,
  StartedOrPlanned: StartedOrPlannedResponseSchema,
  Deployment: DeploymentResponseSchema,
  DeploymentEvents: EventsResponseSchema,
  ControlAccepted: ControlResponseSchema,
  ServiceDeployments: ServiceDeploymentsResponseSchema,
  ScheduleWritten: ScheduleWriteResponseSchema,
  ScheduleList: ScheduleListResponseSchema,
  Schedule: ScheduleResponseSchema,
  ScheduleDeleted: ScheduleDeletedResponseSchema,
  ManualRun: ManualRunResponseSchema,
  ScheduleRuns: RunsResponseSchema,
  OpenApiDocument: OpenApiResponseSchema,
  ReportPage: ReportPageSchema,
} as const;

const ERROR_TEXT: Record<number, string> = {
  400: 'invalid input: `issues` names each field and what is wrong',
  403: 'no IAM caller identity on the request',
  404: 'no such resource (or schedules not configured)',
  409: 'conflict: another deployment holds the service, a reused idempotency key, or a state that forbids it',
  413: 'body larger than 64 KiB',
  500: "failed: the function's logs have the details under the request id",
  503: 'throttled by AWS: retry after the retry-after header',
};

/** Every route of GATEWAY_ROUTES, described (the compiler requires an entry per route). */
export const ROUTE_CONTRACTS: Record<ApiRouteKey | typeof REPORT_ROUTE, RouteContract> = {
  'POST /deployments': {
    summary: 'Start a deployment (once per idempotency key)',
    headers: DeployHeaders,
    body: { schema: 'DeployRequest', description: 'image and spec; requestedBy comes from the IAM caller' },
    responses: {
      202: { description: 'started', schema: 'StartedDeployment' },
      200: {
        description:
          'started before by the same key or id, with the same request; or, with "dryRun": true, the plan (nothing changed)',
        schema: 'StartedOrPlanned',
      },
    },
    errors: [409, 413, 503],
  },
  'GET /deployments/{id}': {
    summary: 'A deployment: its record, or its execution state before the record exists',
    path: IdParams,
    responses: { 200: { description: 'the deployment', schema: 'Deployment' } },
    errors: [404, 503],
  },
  'GET /deployments/{id}/events': {
    summary: "A deployment's event history",
    path: IdParams,
    responses: { 200: { description: 'the events, oldest first', schema: 'DeploymentEvents' } },
    errors: [404, 503],
  },
  'POST /deployments/{id}/{action}': {
    summary: 'Approve, promote, abort, pause or resume a running deployment',
    path: ControlParams,
    responses: {
      202: {
        description: 'accepted: the workflow acts on it at its next gate evaluation',
        schema: 'ControlAccepted',
      },
    },
    errors: [404, 409, 503],
  },
  'GET /services/{service}/deployments': {
    summary: "A service's latest deployments",
    path: ServiceParams,
    query: ListQuery,
    responses: { 200: { description: 'newest first', schema: 'ServiceDeployments' } },
    errors: [503],
  },
  [REPORT_ROUTE]: {
    summary: "A deployment's report: one self-contained HTML page (served by its own function)",
    path: IdParams,
    responses: {
      200: { description: 'the report page', schema: 'ReportPage', contentType: 'text/html' },
    },
    errors: [404],
  },
  'GET /openapi.json': {
    summary: 'This document',
    responses: { 200: { description: 'the OpenAPI 3.1 document of this API', schema: 'OpenApiDocument' } },
  },
  'PUT /schedules/{name}': {
    summary: 'Create or update a scheduled task',
    path: NameParams,
    body: { schema: 'ScheduleSpec', description: 'the schedule spec (`name` may be left out)' },
    responses: {
      201: { description: 'created', schema: 'ScheduleWritten' },
      200: { description: 'updated or unchanged', schema: 'ScheduleWritten' },
    },
    errors: [404, 413, 503],
  },
  'GET /schedules': {
    summary: 'Every schedule with its last run',
    responses: { 200: { description: 'the schedules', schema: 'ScheduleList' } },
    errors: [404, 503],
  },
  'GET /schedules/{name}': {
    summary: 'One schedule with its last run',
    path: NameParams,
    responses: { 200: { description: 'the schedule', schema: 'Schedule' } },
    errors: [404, 503],
  },
  'DELETE /schedules/{name}': {
    summary: 'Delete a schedule (its runs stay readable until their TTL)',
    path: NameParams,
    responses: { 200: { description: 'deleted', schema: 'ScheduleDeleted' } },
    errors: [404, 503],
  },
  'POST /schedules/{name}/runs': {
    summary: 'Run a schedule now',
    path: NameParams,
    responses: { 202: { description: 'the run started', schema: 'ManualRun' } },
    errors: [404, 409, 503],
  },
  'GET /schedules/{name}/runs': {
    summary: "A schedule's run history",
    path: NameParams,
    query: RunsQuery,
    responses: { 200: { description: 'newest first', schema: 'ScheduleRuns' } },
    errors: [404, 503],
  },
};

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io,
    target: 'draft-2020-12',
    // The few z.custom fields carry their JSON Schema in .meta({ type, description }).
    unrepresentable: 'any',
  }) as JsonSchema;
  if (JSON.stringify(rest).includes('"$ref"')) {
    // Refs would point into the schema's own root, which is not the document's.
    throw new Error('API contract schemas must not produce $ref (reused or recursive schemas)');
  }
  return rest;
}

const PARAM_LOCATIONS = [
  ['path', 'path'],
  ['query', 'query'],
  ['headers', 'header'],
] as const;

function parameters(route: RouteContract): JsonSchema[] {
  const list: JsonSchema[] = [];
  for (const [key, location] of PARAM_LOCATIONS) {
    const object = route[key];
    if (!object) continue;
    const schema = jsonSchema(object, 'input');
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((schema.required as string[] | undefined) ?? []);
    for (const [name, property] of Object.entries(properties)) {
      const { description, ...rest } = property;
      list.push({
        name,
        in: location,
        required: location === 'path' || required.has(name),
        ...(typeof description === 'string' ? { description } : {}),
        // Query and header values arrive as text; a number here is parsed from it (z.coerce).
        schema: rest,
      });
    }
  }
  return list;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** The OpenAPI 3.1 document of the deploy API. */
export function openApiDocument(): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const routeKey of GATEWAY_ROUTES) {
    const route = ROUTE_CONTRACTS[routeKey];
    const [method, path] = routeKey.split(' ') as [string, string];
    const responses: Record<string, unknown> = {};
    const statuses = Object.keys(route.responses).map(Number);
    const errors = [...new Set([400, 403, ...(route.errors ?? []), 500])].sort((a, b) => a - b);
    for (const status of [...statuses.sort((a, b) => a - b), ...errors]) {
      const r = route.responses[status];
      responses[String(status)] = r
        ? {
            description: r.description,
            content: { [r.contentType ?? 'application/json']: { schema: ref(r.schema) } },
          }
        : {
            description: ERROR_TEXT[status] ?? 'error',
            ...(status === 503
              ? { headers: { 'retry-after': { schema: { type: 'string' }, description: 'seconds' } } }
              : {}),
            content: { 'application/json': { schema: ref('Error') } },
          };
    }
    const params = parameters(route);
    paths[path] ??= {};
    paths[path][method.toLowerCase()] = {
      operationId: operationId(routeKey),
      summary: route.summary,
      ...(params.length > 0 ? { parameters: params } : {}),
      ...(route.body
        ? {
            requestBody: {
              required: true,
              description: route.body.description,
              content: { 'application/json': { schema: ref(route.body.schema) } },
            },
          }
        : {}),
      responses,
    };
  }
  const schemas: Record<string, JsonSchema> = {};
  for (const [name, schema] of Object.entries(REQUEST_SCHEMAS)) schemas[name] = jsonSchema(schema, 'input');
  for (const [name, schema] of Object.entries(RESPONSE_SCHEMAS)) schemas[name] = jsonSchema(schema, 'output');
  return {
    openapi: '3.1.0',
    info: {
      title: 'Greenlight deploy API',
      version: '1',
      description:
        'Blue/green deployments and scheduled tasks on Amazon ECS. API Gateway HTTP API; every route ' +
        'takes SigV4-signed requests (IAM authorizer, execute-api:Invoke on the route).',
    },
    security: [{ sigv4: [] }],
    paths,
    components: {
      securitySchemes: {
        // OpenAPI has no SigV4 scheme; this is how API Gateway itself describes its IAM authorizer.
        sigv4: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          description: 'AWS Signature Version 4 (IAM authorizer)',
          'x-amazon-apigateway-authtype': 'awsSigv4',
        },
      },
      schemas,
    },
  };
}

/** `POST /deployments/{id}/{action}` → `postDeploymentsIdAction`. */
function operationId(routeKey: string): string {
  const words = routeKey
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  return words.map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1))).join('');
}

/** The document as committed in docs/openapi.json: stable key order, two-space indent, final newline. */
export function openApiText(): string {
  return `${JSON.stringify(openApiDocument(), null, 2)}\n`;
}
