import type { ApiEvent } from '../../../functions/api/api';
import { LocalApiGateway, matchRoute } from '../../../shared/local/api/local-api-gateway';
import { request } from '../../fixtures/local-infra';

describe('local API (simulated API Gateway)', () => {
  describe('matchRoute', () => {
    it('matches the API routes like API Gateway: method, path parameters, static segments first', () => {
      expect(matchRoute('POST', '/deployments')).toEqual({
        routeKey: 'POST /deployments',
        pathParameters: {},
      });
      expect(matchRoute('GET', '/deployments/web-1/events')).toEqual({
        routeKey: 'GET /deployments/{id}/events',
        pathParameters: { id: 'web-1' },
      });
      expect(matchRoute('POST', '/deployments/web-1/approve')).toEqual({
        routeKey: 'POST /deployments/{id}/{action}',
        pathParameters: { id: 'web-1', action: 'approve' },
      });
      expect(matchRoute('GET', '/services/web%2Eapi/deployments')?.pathParameters).toEqual({
        service: 'web.api',
      });
      expect(matchRoute('DELETE', '/deployments/web-1')).toBeNull();
      expect(matchRoute('GET', '/deployments/web-1/events/extra')).toBeNull();
    });
  });

  describe('server', () => {
    let gateway: LocalApiGateway;
    const events: ApiEvent[] = [];

    beforeAll(async () => {
      gateway = await LocalApiGateway.start({
        caller: 'local:tester',
        handler: async (event) => {
          events.push(event);
          return {
            statusCode: 202,
            headers: { 'content-type': 'application/json', 'x-echo': 'yes' },
            body: '{"ok":true}',
          };
        },
      });
    });

    afterAll(async () => {
      await gateway.stop();
    });

    it('turns a request into the payload 2.0 event of its route, with the local caller as IAM identity', async () => {
      const reply = await request(`${gateway.url}/deployments?dryRun=1`, {
        method: 'POST',
        body: '{"image":"x"}',
      });

      expect(reply.status).toBe(202);
      expect(reply.headers['x-echo']).toBe('yes');
      expect(reply.body).toBe('{"ok":true}');
      const event = events.at(-1)!;
      expect(event).toMatchObject({
        version: '2.0',
        routeKey: 'POST /deployments',
        rawPath: '/deployments',
        rawQueryString: 'dryRun=1',
        queryStringParameters: { dryRun: '1' },
        body: '{"image":"x"}',
        isBase64Encoded: false,
        requestContext: {
          http: { method: 'POST', path: '/deployments', sourceIp: '127.0.0.1' },
          routeKey: 'POST /deployments',
          stage: '$default',
          authorizer: { iam: { userArn: 'local:tester' } },
        },
      });
      expect(event.headers.host).toMatch(/^127\.0\.0\.1:\d+$/);
    });

    it('answers 404 itself for a path outside the routes, without invoking the handler', async () => {
      const before = events.length;

      const reply = await request(`${gateway.url}/nowhere`);

      expect(reply.status).toBe(404);
      expect(JSON.parse(reply.body)).toEqual({ message: 'Not Found' });
      expect(events).toHaveLength(before);
    });
  });
});
