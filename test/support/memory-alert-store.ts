/** An in-memory AlertStore with the Dynamo adapter's semantics (claims, leases, windows), for handler tests. */
import type { WindowCount, WindowSnapshot, WindowStop } from '../../shared/domain/alerts/window';
import type { AlertStore, SavedProgress, StopClaim, StopRef } from '../../shared/ports/alert-store';

interface Marker {
  state: 'pending' | 'sent' | 'failed';
  token: string;
  leaseUntil: number;
  expiresAt: number;
  progress?: SavedProgress;
}

export class MemoryAlertStore implements AlertStore {
  readonly markers = new Map<string, Marker>();
  readonly windows = new Map<string, WindowSnapshot & { expiresAt: number }>();
  readonly calls: string[] = [];
  private tokens = 0;

  async claimStop(
    ref: StopRef,
    options: { now: number; leaseMs: number; retainMs: number },
  ): Promise<StopClaim> {
    this.calls.push('claimStop');
    const key = `${ref.taskArn}#${ref.version}`;
    const token = `token-${++this.tokens}`;
    const held = this.markers.get(key);
    const fresh = { state: 'pending' as const, token, leaseUntil: options.now + options.leaseMs };
    if (!held || held.expiresAt < options.now) {
      this.markers.set(key, { ...fresh, expiresAt: options.now + options.retainMs });
      return { status: 'claimed', token, resumed: false, saved: null };
    }
    if (held.state === 'failed' || (held.state === 'pending' && held.leaseUntil < options.now)) {
      this.markers.set(key, { ...held, ...fresh });
      return {
        status: 'claimed',
        token,
        resumed: true,
        saved: held.progress ? structuredClone(held.progress) : null,
      };
    }
    return { status: 'duplicate' };
  }

  async completeStop(ref: StopRef, token: string): Promise<boolean> {
    this.calls.push('completeStop');
    const marker = this.markers.get(`${ref.taskArn}#${ref.version}`);
    if (marker?.token !== token) return false;
    marker.state = 'sent';
    return true;
  }

  async releaseStop(ref: StopRef, token: string, progress: SavedProgress | null): Promise<void> {
    this.calls.push('releaseStop');
    const marker = this.markers.get(`${ref.taskArn}#${ref.version}`);
    if (marker?.token !== token || marker.state !== 'pending') return;
    marker.state = 'failed';
    if (progress) marker.progress = structuredClone(progress);
  }

  async countStop(
    key: string,
    stop: WindowStop,
    options: { now: number; windowMs: number; retainMs: number },
  ): Promise<WindowCount> {
    this.calls.push('countStop');
    const { now } = options;
    const open = this.windows.get(key);
    const last = {
      lastAt: now,
      lastCategory: stop.category,
      lastExitCode: stop.exitCode,
      lastContainer: stop.container,
    };
    if (open && open.startedAt > now - options.windowMs && open.expiresAt >= now) {
      open.count++;
      open.categories[stop.category] = (open.categories[stop.category] ?? 0) + 1;
      Object.assign(open, last, { expiresAt: now + options.retainMs });
      const { expiresAt: _e, ...window } = open;
      return { window: structuredClone(window), closed: null };
    }
    const window: WindowSnapshot = { startedAt: now, count: 1, categories: { [stop.category]: 1 }, ...last };
    this.windows.set(key, { ...structuredClone(window), expiresAt: now + options.retainMs });
    let closed: WindowSnapshot | null = null;
    if (open && open.expiresAt >= now) {
      const { expiresAt: _e, ...rest } = open;
      closed = rest;
    }
    return { window, closed };
  }
}
