import { handleReportRequest } from '../../../functions/api/report';
import { REPORT_ROUTE } from '../../../functions/api/routes';
import { MemoryStore, silentLogger } from '../../support/memory-ports';
import { apiEvent, bodyOf } from '../../fixtures/api-events';
import { rolledBack } from '../../fixtures/report-deployment';

describe('GET /deployments/{id}/report', () => {
  async function storeWithDeployment() {
    const store = new MemoryStore();
    const { record, events } = rolledBack();
    await store.createDeployment(record);
    for (const event of events) await store.appendEvent(record.id, event);
    return { store, deps: { store, logger: silentLogger() } };
  }

  it('answers the report as text/html, never cached, with a CSP that lets it load nothing', async () => {
    const { deps } = await storeWithDeployment();

    const result = await handleReportRequest(
      deps,
      apiEvent(REPORT_ROUTE, { pathParameters: { id: 'web-v3' } }),
    );

    expect(result.statusCode).toBe(200);
    expect(result.headers).toEqual({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
      'x-content-type-options': 'nosniff',
    });
    expect(result.body).toMatch(/^<!doctype html>/);
    expect(result.body).toContain('GATE_FAILED');
  });

  it('answers 404 for an unknown deployment', async () => {
    const { deps } = await storeWithDeployment();

    const result = await handleReportRequest(
      deps,
      apiEvent(REPORT_ROUTE, { pathParameters: { id: 'nope' } }),
    );

    expect(result.statusCode).toBe(404);
    expect(bodyOf(result)).toMatchObject({ error: 'NotFoundError' });
  });

  it('refuses a malformed id with a 400 naming the path parameter, before reading the table', async () => {
    const { deps, store } = await storeWithDeployment();
    const read = jest.spyOn(store, 'getDeployment');

    const result = await handleReportRequest(deps, apiEvent(REPORT_ROUTE, { pathParameters: { id: 'a b' } }));

    expect(result.statusCode).toBe(400);
    expect(JSON.stringify(bodyOf(result))).toContain('path.id');
    expect(read).not.toHaveBeenCalled();
  });

  it('refuses a request without an IAM identity and any other route', async () => {
    const { deps } = await storeWithDeployment();

    const anonymous = await handleReportRequest(
      deps,
      apiEvent(REPORT_ROUTE, { pathParameters: { id: 'web-v3' }, caller: null }),
    );
    const other = await handleReportRequest(
      deps,
      apiEvent('GET /deployments/{id}', { pathParameters: { id: 'web-v3' } }),
    );

    expect(anonymous.statusCode).toBe(403);
    expect(other.statusCode).toBe(404);
  });
});
