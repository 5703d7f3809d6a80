/**
 * The local API (simulated API Gateway HTTP API): a node:http server on 127.0.0.1 that does what
 * API Gateway does in front of the deploy API — matches the request against the API's routes,
 * builds the payload 2.0 event (routeKey, pathParameters, lowercased headers, IAM authorizer
 * context) and invokes the very same Lambda handler. Simulated: there is no SigV4 check; every
 * request is attributed to the configured local caller.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import type { Context } from 'aws-lambda';
import type { ApiEvent, ApiResult } from '../../../functions/api/api';
import { GATEWAY_ROUTES } from '../../../functions/api/routes';

/** API Gateway's own payload limit for HTTP APIs; the handler enforces its smaller one. */
const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;
const LOCAL_ACCOUNT = '000000000000';

export type ApiHandler = (event: ApiEvent, context: Context) => Promise<ApiResult>;

export interface LocalApiGatewayOptions {
  handler: ApiHandler;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The identity put in the IAM authorizer context (default `local:<OS user>`). */
  caller?: string;
  /** Routes served by another function than `handler` (as on AWS, e.g. the report's). */
  routeHandlers?: Partial<Record<string, ApiHandler>>;
}

interface MatchedRoute {
  routeKey: string;
  pathParameters: Record<string, string>;
}

/** The route a method and path match, as API Gateway would pick it (static segments first). */
export function matchRoute(method: string, path: string): MatchedRoute | null {
  const segments = path.split('/').filter(Boolean);
  let best: { match: MatchedRoute; staticCount: number } | null = null;
  for (const routeKey of GATEWAY_ROUTES) {
    const [routeMethod, routePath = ''] = routeKey.split(' ');
    if (routeMethod !== method) continue;
    const pattern = routePath.split('/').filter(Boolean);
    if (pattern.length !== segments.length) continue;
    const pathParameters: Record<string, string> = {};
    let staticCount = 0;
    const matches = pattern.every((part, i) => {
      const segment = segments[i]!;
      const parameter = /^\{(\w+)\}$/.exec(part);
      if (!parameter) {
        staticCount += 1;
        return part === segment;
      }
      pathParameters[parameter[1]!] = safeDecode(segment);
      return true;
    });
    if (matches && (!best || staticCount > best.staticCount)) {
      best = { match: { routeKey, pathParameters }, staticCount };
    }
  }
  return best?.match ?? null;
}

/** A malformed escape stays as sent: the handler's validation refuses it with a 400. */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'greenlight-local-api',
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:${LOCAL_ACCOUNT}:function:greenlight-local-api`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/greenlight-local-api',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The payload 2.0 event API Gateway would send for this request. */
export function toApiEvent(
  req: Pick<http.IncomingMessage, 'method' | 'url' | 'headers' | 'httpVersion'>,
  body: Buffer,
  route: MatchedRoute,
  caller: string,
  sourceIp = '127.0.0.1',
): ApiEvent {
  const url = new URL(req.url ?? '/', 'http://local');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = name in query ? `${query[name]},${value}` : value;
  const now = new Date();
  const text = body.toString('utf8');
  // API Gateway base64-encodes bodies it does not take for text.
  const isText = Buffer.from(text, 'utf8').equals(body);
  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(route.pathParameters).length > 0 ? { pathParameters: route.pathParameters } : {}),
    requestContext: {
      accountId: LOCAL_ACCOUNT,
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: route.routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
      authorizer: {
        iam: {
          accessKey: 'LOCAL',
          accountId: LOCAL_ACCOUNT,
          callerId: caller,
          cognitoIdentity: null,
          principalOrgId: '',
          userArn: caller,
          userId: caller,
        },
      },
    },
    ...(body.length > 0 ? { body: isText ? text : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !isText,
  };
}

/** A running local API; `stop()` closes it. */
export class LocalApiGateway {
  private constructor(
    private readonly server: http.Server,
    /** Base URL, e.g. `http://127.0.0.1:4321`. */
    readonly url: string,
  ) {}

  static async start(options: LocalApiGatewayOptions): Promise<LocalApiGateway> {
    const caller = options.caller ?? `local:${os.userInfo().username}`;
    const server = http.createServer((req, res) => {
      void serve(req, res, options, caller);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return new LocalApiGateway(server, `http://127.0.0.1:${port}`);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function send(res: http.ServerResponse, result: ApiResult): void {
  res.statusCode = result.statusCode ?? 200;
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, String(value));
  const body = result.body ?? '';
  res.end(result.isBase64Encoded ? Buffer.from(body, 'base64') : body);
}

async function serve(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  options: Pick<LocalApiGatewayOptions, 'handler' | 'routeHandlers'>,
  caller: string,
): Promise<void> {
  const gatewayError = (statusCode: number, message: string) =>
    send(res, {
      statusCode,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message }),
    });
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > GATEWAY_MAX_BODY_BYTES) {
        res.setHeader('connection', 'close');
        gatewayError(413, 'Request Entity Too Large');
        return;
      }
      chunks.push(chunk as Buffer);
    }
    const path = new URL(req.url ?? '/', 'http://local').pathname;
    const route = matchRoute(req.method ?? 'GET', path);
    if (!route) {
      gatewayError(404, 'Not Found');
      return;
    }
    const handler = options.routeHandlers?.[route.routeKey] ?? options.handler;
    const result = await handler(toApiEvent(req, Buffer.concat(chunks), route, caller), lambdaContext());
    send(res, result);
  } catch {
    // What API Gateway answers when the integration fails.
    if (!res.headersSent) gatewayError(500, 'Internal Server Error');
  }
}
