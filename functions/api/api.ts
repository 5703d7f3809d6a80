/**
 * The deploy HTTP API (API Gateway HTTP API, payload 2.0, IAM authorizer on every route). API
 * Gateway matches the route; this handler parses what the route carries with zod and calls
 * startDeployment / controlDeployment / the Store. Who asks is always the IAM caller API Gateway
 * authenticated, never a claim in the body.
 */
import { controlDeployment } from '../deploy/control';
import { awaitsApproval } from '../../shared/domain/control';
import type { DeploymentRecord } from '../../shared/domain/deployment';
import { scrubCredentials } from '../../shared/domain/credential-scrub';
import { InvalidInputError } from '../../shared/domain/errors';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler, type Logger, type LambdaHandler } from '../../shared/lambda';
import type { Clock } from '../../shared/ports/clock';
import type { DeploymentLookup } from '../../shared/ports/deployment-lookup';
import type { Executions } from '../../shared/ports/executions';
import type { Store } from '../../shared/ports/store';
import {
  assertPayloadV2,
  callerOf,
  errorResponse,
  jsonBody,
  NotFoundError,
  type ApiEvent,
  type ApiResult,
} from './http';
import { planDeployment, splitDryRun } from './plan-deployment';
import type { DryRunDeps } from '../deploy/dry-run';
import {
  ControlParams,
  ControlResponseSchema,
  DeployHeaders,
  DeploymentResponseSchema,
  DryRunResponseSchema,
  EventsResponseSchema,
  IdParams,
  ListQuery,
  OpenApiResponseSchema,
  respond,
  ServiceDeploymentsResponseSchema,
  ServiceParams,
  StartedResponseSchema,
} from './api-schemas';
import { openApiDocument } from './openapi';
import type { MetricsModelCheck } from '../deploy/start';
import { requestDeployment } from './request-deployment';
import { scheduleRoutes, type ScheduleApiDeps } from './schedule-routes';
import { deploymentLinks, type ApiRouteKey } from './routes';

export type { ApiEvent, ApiResult } from './http';

export interface ApiDeps {
  executions: Pick<Executions, 'start' | 'status'>;
  store: Store;
  /** Who holds a service's lock, read before starting (shared/aws/dynamo-deployment-lookup.ts). */
  deployments: Pick<DeploymentLookup, 'runningDeployment'>;
  clock: Clock;
  logger: Logger;
  /** Read-only adapters of the account for dry runs (functions/deploy/dry-run.ts); absent: they answer 404. */
  dryRun?: Omit<DryRunDeps, 'deployments'>;
  /** What the metric source cannot serve (on AWS, cloudWatchModelIssues); absent: no check. */
  metricsModelIssues?: MetricsModelCheck;
  /** The schedule routes' adapters (functions/api/schedule-routes.ts); absent: they answer 404. */
  scheduling?: ScheduleApiDeps;
}

type Route = (deps: ApiDeps, event: ApiEvent) => Promise<ApiResult>;

const routes: Record<ApiRouteKey, Route> = {
  'POST /deployments': async (deps, event) => {
    const caller = callerOf(event);
    const headers = parseInput(DeployHeaders, event.headers ?? {}, 'headers');
    const { dryRun, request: body } = splitDryRun(jsonBody(event));
    if (body !== null && typeof body === 'object' && 'requestedBy' in body) {
      const message = "set from the caller's IAM identity; remove it from the body";
      throw new InvalidInputError(`requestedBy: ${message}`, [{ path: 'requestedBy', message }]);
    }
    // A plan changes nothing, so it needs no idempotency: 200 with the plan, no execution, no lock.
    if (dryRun) return respond(DryRunResponseSchema, 200, await planDeployment(deps, body));
    const idempotencyKey = headers['idempotency-key'];
    const started = await requestDeployment(deps, body, {
      requestedBy: caller,
      ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
    });
    const links = deploymentLinks(started.deploymentId);
    return respond(
      StartedResponseSchema,
      started.outcome === 'started' ? 202 : 200,
      { ...started, links },
      {
        location: links.self,
      },
    );
  },

  'GET /deployments/{id}': async (deps, event) => {
    const { id } = parseInput(IdParams, event.pathParameters ?? {}, 'path');
    const record = await deps.store.getDeployment(id);
    if (record) return respond(DeploymentResponseSchema, 200, withApprovalState(record));
    // Between StartExecution and Prepare's first write the execution exists but its record not yet.
    const execution = await deps.executions.status(id);
    if (execution === 'NOT_FOUND') throw new NotFoundError(`no deployment ${id}`);
    return respond(DeploymentResponseSchema, 200, {
      id,
      status: execution === 'RUNNING' ? 'STARTING' : 'NOT_RECORDED',
      execution,
    });
  },

  'GET /deployments/{id}/events': async (deps, event) => {
    const { id } = parseInput(IdParams, event.pathParameters ?? {}, 'path');
    const events = await deps.store.listEvents(id);
    if (events.length === 0 && !(await deps.store.getDeployment(id))) {
      if ((await deps.executions.status(id)) === 'NOT_FOUND') throw new NotFoundError(`no deployment ${id}`);
    }
    return respond(EventsResponseSchema, 200, { deploymentId: id, events });
  },

  'POST /deployments/{id}/{action}': async (deps, event) => {
    const by = callerOf(event);
    const { id, action } = parseInput(ControlParams, event.pathParameters ?? {}, 'path');
    if (!(await deps.store.getDeployment(id))) throw new NotFoundError(`no deployment ${id}`);
    const record = await controlDeployment(deps, { deploymentId: id, action, by });
    // Accepted: the workflow acts on it at its next gate evaluation.
    return respond(ControlResponseSchema, 202, {
      deploymentId: id,
      action,
      by,
      deployment: record,
      links: deploymentLinks(id),
    });
  },

  'GET /services/{service}/deployments': async (deps, event) => {
    const { service } = parseInput(ServiceParams, event.pathParameters ?? {}, 'path');
    const { limit } = parseInput(ListQuery, event.queryStringParameters ?? {}, 'query');
    const deployments = await deps.store.listServiceDeployments(service, limit);
    return respond(ServiceDeploymentsResponseSchema, 200, { service, deployments });
  },

  // IAM-authorized like every route: the document describes nothing secret, but an API whose every
  // route is signed gains nothing from one anonymous route, and public routes get scanned.
  'GET /openapi.json': async () => respond(OpenApiResponseSchema, 200, openApiDocument() as never),

  ...scheduleRoutes,
};

/**
 * The record, with `awaitingApproval: true` while its current step needs an approval not given
 * yet: the one thing a person must know to act that the record does not say by itself.
 */
function withApprovalState(record: DeploymentRecord): DeploymentRecord & { awaitingApproval?: true } {
  return awaitsApproval(record) ? { ...record, awaitingApproval: true } : record;
}

/** Answers one API Gateway v2 request; every error becomes a JSON error response. */
export async function handleApiRequest(deps: ApiDeps, event: ApiEvent): Promise<ApiResult> {
  const routeKey = typeof event?.routeKey === 'string' ? event.routeKey : '(none)';
  // As logged: API Gateway only hands over routes it matched, but nothing from outside is logged unscrubbed.
  const loggedRoute = scrubCredentials(routeKey.slice(0, 200));
  const rawRequestId: unknown = event?.requestContext?.requestId;
  const requestId = typeof rawRequestId === 'string' ? rawRequestId.slice(0, 128) : 'unknown';
  try {
    assertPayloadV2(event);
    // Every route, reads included: a request without an identity means a route deployed without
    // the IAM authorizer, and nothing of the table is for anonymous callers.
    callerOf(event);
    const route = Object.hasOwn(routes, routeKey) ? routes[routeKey as ApiRouteKey] : undefined;
    if (!route) throw new NotFoundError(`no route ${routeKey.slice(0, 200)}`);
    const result = await route(deps, event);
    deps.logger.info('request answered', { routeKey: loggedRoute, status: result.statusCode, requestId });
    return result;
  } catch (error) {
    return errorResponse(error, { requestId, routeKey: loggedRoute, logger: deps.logger });
  }
}

/**
 * The Lambda handler of the API, built from its dependencies. The event is never logged, whatever
 * POWERTOOLS_LOGGER_LOG_EVENT says: it carries the caller's SigV4 `authorization` header and
 * session token.
 */
export const createApiHandler = (deps: ApiDeps): LambdaHandler<ApiEvent, ApiResult> =>
  lambdaHandler(deps.logger, (event: ApiEvent) => handleApiRequest(deps, event), { logEvent: false });
