/** An in-memory AlertStore with the Dynamo adapter's semantics (claims, leases, windows), for handler tests. */
import type { WindowCount, WindowSnapshot, WindowStop } from '../../shared/domain/alerts/window';
import type {
  AlertStore,
  DueTally,
  SavedProgress,
  StopClaim,
  StopRef,
  TallyClaim,
} from '../../shared/ports/alert-store';

interface Marker {
  state: 'pending' | 'sent' | 'failed';
  token: string;
  leaseUntil: number;
  expiresAt: number;
  progress?: SavedProgress;
}

export class MemoryAlertStore implements AlertStore {
  readonly markers = new Map<string, Marker>();
  readonly windows = new Map<
    string,
    WindowSnapshot & { expiresAt: number; tally?: 'sending' | 'sent'; tallyLeaseUntil?: number }
  >();
  /** Tally entries by `dueAt|key|startedAt`. */
  readonly dues = new Map<string, DueTally & { expiresAt: number }>();
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

  async saveProgress(
    ref: StopRef,
    token: string,
    progress: SavedProgress,
    options: { now: number; leaseMs: number },
  ): Promise<boolean> {
    this.calls.push('saveProgress');
    const marker = this.markers.get(`${ref.taskArn}#${ref.version}`);
    if (marker?.token !== token || marker.state !== 'pending') return false;
    marker.progress = structuredClone(progress);
    marker.leaseUntil = options.now + options.leaseMs;
    return true;
  }

  async scheduleTally(due: DueTally, options: { retainMs: number }): Promise<void> {
    this.calls.push('scheduleTally');
    this.dues.set(dueId(due), { ...structuredClone(due), expiresAt: due.dueAt + options.retainMs });
  }

  async dueTallies(options: { now: number; limit: number }): Promise<DueTally[]> {
    this.calls.push('dueTallies');
    return [...this.dues.values()]
      .filter((d) => d.dueAt <= options.now)
      .sort((a, b) => a.dueAt - b.dueAt)
      .slice(0, options.limit)
      .map(({ expiresAt: _e, ...due }) => structuredClone(due));
  }

  async claimTally(due: DueTally, options: { now: number; leaseMs: number }): Promise<TallyClaim> {
    this.calls.push('claimTally');
    const open = this.windows.get(due.key);
    if (!open || open.startedAt !== due.startedAt || open.tally === 'sent') return { status: 'done' };
    if (open.tally === 'sending' && (open.tallyLeaseUntil ?? 0) >= options.now) return { status: 'busy' };
    open.tally = 'sending';
    open.tallyLeaseUntil = options.now + options.leaseMs;
    const { expiresAt: _e, tally: _t, tallyLeaseUntil: _l, ...window } = open;
    return { status: 'claimed', window: structuredClone(window) };
  }

  async completeTally(due: DueTally): Promise<void> {
    this.calls.push('completeTally');
    const open = this.windows.get(due.key);
    if (open && open.startedAt === due.startedAt) {
      open.tally = 'sent';
      delete open.tallyLeaseUntil;
    }
    this.dues.delete(dueId(due));
  }

  async dropTally(due: DueTally): Promise<void> {
    this.calls.push('dropTally');
    this.dues.delete(dueId(due));
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
      const { expiresAt: _e, tally: _t, tallyLeaseUntil: _l, ...window } = open;
      return { window: structuredClone(window), closed: null };
    }
    const window: WindowSnapshot = { startedAt: now, count: 1, categories: { [stop.category]: 1 }, ...last };
    this.windows.set(key, { ...structuredClone(window), expiresAt: now + options.retainMs });
    let closed: WindowSnapshot | null = null;
    // A tally the sweeper sent is not sent again by the stop that replaces its window.
    if (open && open.expiresAt >= now && open.tally !== 'sent') {
      const { expiresAt: _e, tally: _t, tallyLeaseUntil: _l, ...rest } = open;
      closed = rest;
    }
    return { window, closed };
  }
}

const dueId = (due: DueTally) => `${due.dueAt}|${due.key}|${due.startedAt}`;
