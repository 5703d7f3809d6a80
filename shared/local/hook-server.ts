/**
 * The rehearsal's user hooks: a tiny HTTP server on 127.0.0.1 that answers each path from a script
 * (a real webhook over a real socket, called by the production webhook adapter), and keeps every
 * call's context so a demo or a test shows what a hook was told.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { UserHookContext } from '../domain/user-hooks';

/** What a path answers: a JSON body (status 200), or `hang` (never answers: a timeout to be). */
export type LocalHookAnswer = { status?: number; body: unknown } | 'hang';

export interface LocalHookCall {
  path: string;
  context: UserHookContext;
  answered: LocalHookAnswer;
}

export class LocalHookServer {
  readonly calls: LocalHookCall[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  /** Starts on a free port; `answers` by path, each a list whose last answer repeats. */
  static async start(answers: Record<string, LocalHookAnswer[]>): Promise<LocalHookServer> {
    let hook: LocalHookServer | null = null;
    const server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
        const script = answers[path] ?? [{ status: 404, body: { error: 'no such hook' } }];
        const made = hook!.calls.filter((c) => c.path === path).length;
        const answered = script[Math.min(made, script.length - 1)]!;
        let context: UserHookContext;
        try {
          context = JSON.parse(raw) as UserHookContext;
        } catch {
          res.writeHead(400).end();
          return;
        }
        hook!.calls.push({ path, context, answered });
        if (answered === 'hang') return;
        res
          .writeHead(answered.status ?? 200, { 'content-type': 'application/json' })
          .end(JSON.stringify(answered.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    hook = new LocalHookServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return hook;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
