/**
 * The local ALB's listeners: each a port on 127.0.0.1 with its own forward action (integer
 * weights per target group), like a production and a test listener of one load balancer.
 */
import http from 'node:http';
import { InvalidInputError } from '../../domain/errors';
import type { Route } from './forwarding';

/** The name of the listener `AlbProxy.start` opens; others are added with `addListener`. */
export const DEFAULT_LISTENER = 'default';

/** One listener: its own port and its own forward action over the shared target groups. */
export interface Listener {
  name: string;
  server: http.Server;
  url: string;
  routes: Route[];
}

/** An HTTP server listening on 127.0.0.1 (`port` 0 or unset: an ephemeral port). */
export async function listen(port = 0): Promise<http.Server> {
  const server = http.createServer();
  // Longer than any client's idle timeout, like an ALB's 60-s idle timeout.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/**
 * A forward action from weights: integer weights 0..100 per existing target group (`exists`),
 * summing to 100. Its round-robin state is fresh, so every weight change starts an exact cycle.
 */
export function forwardAction(forward: Record<string, number>, exists: (group: string) => boolean): Route[] {
  const entries = Object.entries(forward);
  if (entries.length === 0) throw new InvalidInputError('weights: at least one target group is required');
  for (const [name, weight] of entries) {
    if (!exists(name)) {
      throw new InvalidInputError(`weights.${name}: target group "${name}" does not exist`, [
        { path: `weights.${name}`, message: 'unknown target group' },
      ]);
    }
    if (!Number.isInteger(weight) || weight < 0 || weight > 100) {
      throw new InvalidInputError(`weights.${name}: expected an integer from 0 to 100, got ${weight}`, [
        { path: `weights.${name}`, message: 'expected an integer from 0 to 100' },
      ]);
    }
  }
  const sum = entries.reduce((acc, [, w]) => acc + w, 0);
  if (sum !== 100) {
    const terms = entries.map(([name, w]) => `${name}=${w}`).join(' + ');
    throw new InvalidInputError(`weights must sum to 100, got ${terms} = ${sum}`, [
      { path: 'weights', message: 'must sum to 100' },
    ]);
  }
  return entries.map(([name, weight]) => ({ name, weight, current: 0 }));
}
