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

/** Paths of one deployment's resources, as the API returns them in `links`. */
export function deploymentLinks(deploymentId: string): { self: string; events: string } {
  return { self: `/deployments/${deploymentId}`, events: `/deployments/${deploymentId}/events` };
}
