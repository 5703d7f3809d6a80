import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookUserHooks } from '../../../shared/aws/webhook-user-hooks';
import type { UserHook, UserHookContext } from '../../../shared/domain/user-hooks';

const context: UserHookContext = {
  deploymentId: 'd-1',
  service: 'web',
  image: 'registry/web:v2',
  stage: 'beforeStep',
  step: { index: 0, weight: 5 },
  colors: { live: 'blue', new: 'green' },
  weights: { blue: 95, green: 5 },
  attempt: 1,
};

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

describe('WebhookUserHooks (against a local HTTP server)', () => {
  let server: Server;
  let base: string;
  let handle: Handler;
  const received: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        handle(req, body, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    received.length = 0;
  });

  const hook = (path: string, timeoutSeconds = 2): UserHook => ({
    name: 'qa',
    url: `${base}${path}`,
    timeoutSeconds,
    deadlineSeconds: 60,
  });
  const local = new WebhookUserHooks({ allowLoopbackHttp: true });
  const json =
    (status: number, value: unknown) => (_req: IncomingMessage, _b: string, res: ServerResponse) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    };

  it('POSTs the context as JSON and returns the answer', async () => {
    handle = json(200, { result: 'pass', reason: 'green' });
    const reply = await local.call(hook('/hook?token=s3cret'), context);
    expect(reply).toEqual({ ok: true, body: { result: 'pass', reason: 'green' } });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      method: 'POST',
      url: '/hook?token=s3cret',
      headers: expect.objectContaining({
        'content-type': 'application/json',
        'user-agent': 'greenlight-hook',
      }),
    });
    expect(JSON.parse(received[0]!.body)).toEqual(context);
  });

  it('turns an HTTP error into a reply naming the origin only (never the path or query)', async () => {
    handle = json(500, { result: 'pass' });
    const reply = await local.call(hook('/hook?token=s3cret'), context);
    expect(reply).toEqual({ ok: false, reason: `${base} answered HTTP 500` });
    expect(JSON.stringify(reply)).not.toContain('s3cret');
  });

  it('turns a body that is not JSON into a reply', async () => {
    handle = (_r, _b, res) => res.writeHead(200).end('OK');
    expect(await local.call(hook('/'), context)).toEqual({ ok: false, reason: 'answer is not JSON' });
  });

  it('refuses an answer larger than 64 KB', async () => {
    handle = (_r, _b, res) => res.writeHead(200).end('x'.repeat(200 * 1024));
    expect(await local.call(hook('/'), context)).toEqual({
      ok: false,
      reason: 'answer longer than 65536 bytes',
    });
  });

  it('times out a webhook that never answers, within its timeout', async () => {
    handle = () => undefined; // never answers
    const started = Date.now();
    const reply = await local.call(hook('/slow', 1), context);
    expect(reply).toEqual({ ok: false, reason: `${base}: timeout after 1000 ms` });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('times out a webhook that stalls in the middle of its body', async () => {
    handle = (_r, _b, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"result":');
    };
    const reply = await local.call(hook('/stall', 1), context);
    expect(reply).toMatchObject({ ok: false, reason: expect.stringContaining('timeout after 1000 ms') });
  });

  it('does not follow a redirect', async () => {
    handle = (_r, _b, res) => res.writeHead(302, { location: 'https://elsewhere.example/' }).end();
    expect(await local.call(hook('/'), context)).toEqual({ ok: false, reason: `${base} answered HTTP 302` });
  });

  it('calls plain http only when allowed (the rehearsal), and never on AWS', async () => {
    handle = json(200, { result: 'pass' });
    const aws = new WebhookUserHooks();
    expect(await aws.call(hook('/'), context)).toEqual({
      ok: false,
      reason: `refused to call ${base}: only https:// is called`,
    });
    expect(received).toHaveLength(0);
  });

  it('turns a refused connection into a reply', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const reply = await local.call({ ...hook('/'), url: `http://127.0.0.1:${port}/` }, context);
    expect(reply).toEqual({ ok: false, reason: `http://127.0.0.1:${port}: ECONNREFUSED` });
  });
});
