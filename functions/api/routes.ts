/**
 * The routes of the deploy HTTP API, as API Gateway route keys. serverless.yml declares the same
 * routes (each behind the IAM authorizer; the template test checks both lists agree), API Gateway
 * matches them and hands the handler `routeKey` and `pathParameters`, and the local API (simulated
 * API Gateway) matches requests against this list the same way.
 */
export const API_ROUTES = [
  'POST /deployments',
  'GET /deployments/{id}',
  'GET /deployments/{id}/events',
  'POST /deployments/{id}/{action}',
  'GET /services/{service}/deployments',
  // The OpenAPI document of these routes (functions/api/openapi.ts).
  'GET /openapi.json',
  // Scheduled tasks (functions/api/schedule-routes.ts).
  'PUT /schedules/{name}',
  'GET /schedules',
  'GET /schedules/{name}',
  'DELETE /schedules/{name}',
  'POST /schedules/{name}/runs',
  'GET /schedules/{name}/runs',
] as const;

export type ApiRouteKey = (typeof API_ROUTES)[number];

/** A deployment's HTML report, served by its own function (functions/api/report.ts) so the chart library stays out of the API's bundle. */
export const REPORT_ROUTE = 'GET /deployments/{id}/report' as const;

/** Every route of the HTTP API, whichever function serves it. */
export const GATEWAY_ROUTES = [...API_ROUTES, REPORT_ROUTE] as const;

/** Paths of one deployment's resources, as the API returns them in `links`. */
export function deploymentLinks(deploymentId: string): { self: string; events: string } {
  return { self: `/deployments/${deploymentId}`, events: `/deployments/${deploymentId}/events` };
}
