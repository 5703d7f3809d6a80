/**
 * What applying a directory of schedule files would change in EventBridge Scheduler: each desired
 * spec against the deployed schedule of that name. Both sides are parsed specs (defaults applied),
 * so a field left out of a file and the same default written out compare equal.
 *
 * - `create`: in the files, not deployed.
 * - `update`: deployed with another spec (`fields`: the dotted paths that differ, arrays compared
 *   whole), with Scheduler settings changed by hand (`scheduler.<setting>`, from the adapter's
 *   drift), or with a target input that is not a spec (`spec`).
 * - `unchanged`: the same spec and no drift.
 * - `delete`: deployed but in no file, with `prune`; without it `extra` (left alone, listed so a
 *   person sees it).
 */
import { InvalidInputError } from '../errors';
import type { ScheduleSpec } from './schedule-spec';

/** The deployed side, as the Schedules port reads it (only what the diff needs). */
export interface DeployedView {
  name: string;
  spec: ScheduleSpec | null;
  drift: string[];
}

export type ScheduleChange =
  | { action: 'create'; name: string; spec: ScheduleSpec }
  | { action: 'update'; name: string; spec: ScheduleSpec; fields: string[] }
  | { action: 'unchanged'; name: string }
  | { action: 'delete'; name: string }
  | { action: 'extra'; name: string };

export type ScheduleAction = ScheduleChange['action'];

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Changes, one per name in either side, sorted by name. Throws naming a name given twice. */
export function diffSchedules(
  desired: ScheduleSpec[],
  deployed: DeployedView[],
  options: { prune: boolean },
): ScheduleChange[] {
  const wanted = uniqueByName(desired, 'desired');
  const live = uniqueByName(deployed, 'deployed');
  const changes: ScheduleChange[] = [];
  for (const spec of wanted.values()) {
    const current = live.get(spec.name);
    if (!current) {
      changes.push({ action: 'create', name: spec.name, spec });
      continue;
    }
    const fields = current.spec
      ? [...changedFields(current.spec, spec), ...current.drift.map((d) => `scheduler.${d}`)]
      : ['spec'];
    changes.push(
      fields.length > 0
        ? { action: 'update', name: spec.name, spec, fields }
        : { action: 'unchanged', name: spec.name },
    );
  }
  for (const name of live.keys()) {
    if (!wanted.has(name)) changes.push({ action: options.prune ? 'delete' : 'extra', name });
  }
  return changes.sort(byName);
}

function uniqueByName<T extends { name: string }>(items: T[], side: string): Map<string, T> {
  const map = new Map<string, T>();
  items.forEach((item, i) => {
    if (map.has(item.name)) {
      const message = `schedule ${item.name} is given twice`;
      throw new InvalidInputError(`${side}[${i}].name: ${message}`, [
        { path: `${side}[${i}].name`, message },
      ]);
    }
    map.set(item.name, item);
  });
  return map;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Dotted paths of the leaves (and whole arrays) where `before` and `after` differ, sorted. */
export function changedFields(before: unknown, after: unknown, prefix = ''): string[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => changedFields(before[k], after[k], prefix ? `${prefix}.${k}` : k));
  }
  return sameValue(before, after) ? [] : [prefix || '(spec)'];
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => changedFields(x, b[i]).length === 0);
  }
  if (isPlainObject(a) && isPlainObject(b)) return changedFields(a, b).length === 0;
  return Object.is(a, b);
}

/** How many changes of each action: the summary line of a diff or an apply. */
export function countChanges(changes: ScheduleChange[]): Record<ScheduleAction, number> {
  const counts: Record<ScheduleAction, number> = { create: 0, update: 0, unchanged: 0, delete: 0, extra: 0 };
  for (const c of changes) counts[c.action]++;
  return counts;
}
