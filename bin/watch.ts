/**
 * Following a deployment through the deploy API until it ends (`status --watch`, `deploy --wait`):
 * each poll reads the record and its history and shows the view of bin/status-view.ts — redrawn
 * in place on a terminal, one line (or one JSON object) per change anywhere else.
 */
import type { DeploymentEvent } from '../shared/domain/deployment';
import { ApiError, type ApiClient } from './api-client';
import {
  changeKey,
  changeLine,
  frameLines,
  redraw,
  statusView,
  type RecordView,
  type StatusView,
} from './status-view';

/** `tty`: a frame redrawn in place; `lines`: one text line per change; `json`: one JSON object per line per change. */
export type WatchMode = 'tty' | 'lines' | 'json';

export interface WatchOptions {
  mode: WatchMode;
  intervalMs: number;
  out: { write(chunk: string): unknown };
  /** Terminal width (tty mode), so long lines are cut rather than wrapped. */
  columns?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const RUNNING = new Set(['IN_PROGRESS', 'STARTING']);

/** The mode for a stream: a terminal gets the redrawn view unless JSON was asked for. */
export function watchMode(stream: { isTTY?: boolean }, json: boolean): WatchMode {
  if (json) return 'json';
  return stream.isTTY === true ? 'tty' : 'lines';
}

/** Polls deployment `id` until it ends, showing each state; resolves with the last record. */
export async function watchDeployment(
  api: ApiClient,
  id: string,
  options: WatchOptions,
): Promise<RecordView> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const path = `/deployments/${encodeURIComponent(id)}`;
  let lastKey = '';
  let drawn = 0;
  for (;;) {
    const record = (await api.request('GET', path)).body as RecordView;
    const events = await readEvents(api, path);
    const view = statusView(record, events, now());
    drawn = show(view, options, drawn, lastKey);
    lastKey = changeKey(view);
    if (!RUNNING.has(record.status)) return record;
    await sleep(options.intervalMs);
  }
}

/** Writes `view` as the mode wants it; returns the number of lines now drawn (tty mode). */
function show(view: StatusView, options: WatchOptions, drawn: number, lastKey: string): number {
  if (options.mode === 'tty') {
    // Redrawn at every poll: the hold's elapsed time moves even when nothing else does.
    const lines = frameLines(view);
    options.out.write(redraw(drawn, lines, options.columns));
    return lines.length;
  }
  if (changeKey(view) === lastKey) return drawn;
  options.out.write(options.mode === 'json' ? `${JSON.stringify(view)}\n` : `  ${changeLine(view)}\n`);
  return drawn;
}

/** The history; none yet (404) between StartExecution and Prepare's first write. */
async function readEvents(api: ApiClient, path: string): Promise<DeploymentEvent[]> {
  try {
    return ((await api.request('GET', `${path}/events`)).body as { events?: DeploymentEvent[] }).events ?? [];
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return [];
    throw error;
  }
}
