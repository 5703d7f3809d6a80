/**
 * `GET /deployments/{id}/report`: the deployment's report page (shared/report), as `text/html`.
 * Its own function, so Vega is bundled here and nowhere else; behind the IAM authorizer like every
 * route, and reading the table only.
 */
import { z } from 'zod';
import { DeploymentIdSchema } from '../../shared/domain/deployment';
import { scrubCredentials } from '../../shared/domain/credential-scrub';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler, type LambdaHandler, type Logger } from '../../shared/lambda';
import type { Store } from '../../shared/ports/store';
import { renderReport } from '../../shared/report/render-report';
import {
  assertPayloadV2,
  callerOf,
  errorResponse,
  NotFoundError,
  type ApiEvent,
  type ApiResult,
} from './http';
import { REPORT_ROUTE } from './routes';

export interface ReportDeps {
  store: Pick<Store, 'getDeployment' | 'listEvents'>;
  logger: Logger;
}

const IdParams = z.object({ id: DeploymentIdSchema });

/** The page may load nothing at all: its styles are inline and its charts inline SVG. */
export const REPORT_CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/** Answers one report request; errors are the API's JSON error responses. */
export async function handleReportRequest(deps: ReportDeps, event: ApiEvent): Promise<ApiResult> {
  const routeKey = typeof event?.routeKey === 'string' ? event.routeKey : '(none)';
  const loggedRoute = scrubCredentials(routeKey.slice(0, 200));
  const rawRequestId: unknown = event?.requestContext?.requestId;
  const requestId = typeof rawRequestId === 'string' ? rawRequestId.slice(0, 128) : 'unknown';
  try {
    assertPayloadV2(event);
    // A request without an identity means a route deployed without the IAM authorizer.
    callerOf(event);
    if (routeKey !== REPORT_ROUTE) throw new NotFoundError(`no route ${routeKey.slice(0, 200)}`);
    const { id } = parseInput(IdParams, event.pathParameters ?? {}, 'path');
    const [record, events] = await Promise.all([deps.store.getDeployment(id), deps.store.listEvents(id)]);
    if (!record)
      throw new NotFoundError(
        `no deployment record ${id} (yet: a starting deployment has none for a moment)`,
      );
    const { html, renderMs } = await renderReport(record, events);
    deps.logger.info('report rendered', { routeKey: loggedRoute, requestId, renderMs, bytes: html.length });
    return {
      statusCode: 200,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'content-security-policy': REPORT_CONTENT_SECURITY_POLICY,
        'x-content-type-options': 'nosniff',
      },
      body: html,
    };
  } catch (error) {
    return errorResponse(error, { requestId, routeKey: loggedRoute, logger: deps.logger });
  }
}

/** The report function's handler; the event (with the caller's signed headers) is never logged. */
export const createReportHandler = (deps: ReportDeps): LambdaHandler<ApiEvent, ApiResult> =>
  lambdaHandler(deps.logger, (event: ApiEvent) => handleReportRequest(deps, event), { logEvent: false });
