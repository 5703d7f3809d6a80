/**
 * Greenlight's schedules in memory (simulated EventBridge Scheduler), for the local API and tests:
 * the same create / update / delete rules as the adapter (create refuses an existing name, update a
 * missing one), the spec kept as the target input would carry it (parsed JSON, defaults applied)
 * and ENABLED / DISABLED from `enabled`. Nothing fires from it: the local scheduler that starts
 * executions from the expressions is not built, and hand edits (drift) cannot happen here.
 */
import { parseScheduleSpec, type ScheduleSpec } from '../../domain/schedules/schedule-spec';
import {
  ScheduleExistsError,
  ScheduleNotFoundError,
  type DeployedSchedule,
  type Schedules,
} from '../../ports/schedules';

export class SimulatedSchedules implements Schedules {
  private readonly byName = new Map<string, { input: string; lastModified: number }>();
  /** Every write, in order: a test can check what was called. */
  readonly calls: { op: 'create' | 'update' | 'delete'; name: string }[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  async list(): Promise<DeployedSchedule[]> {
    const names = [...this.byName.keys()].sort();
    return (await Promise.all(names.map((n) => this.get(n)))).filter((s): s is DeployedSchedule => !!s);
  }

  async get(name: string): Promise<DeployedSchedule | null> {
    const stored = this.byName.get(name);
    if (!stored) return null;
    // Read back through JSON and the schema, as the adapter reads the target input.
    const spec = parseScheduleSpec(JSON.parse(stored.input), 'target.input.spec');
    return {
      name,
      state: spec.enabled ? 'ENABLED' : 'DISABLED',
      spec,
      drift: [],
      lastModified: stored.lastModified,
    };
  }

  async create(spec: ScheduleSpec): Promise<void> {
    if (this.byName.has(spec.name)) throw new ScheduleExistsError(`schedule ${spec.name} exists already`);
    this.calls.push({ op: 'create', name: spec.name });
    this.byName.set(spec.name, { input: JSON.stringify(spec), lastModified: this.now() });
  }

  async update(spec: ScheduleSpec): Promise<void> {
    if (!this.byName.has(spec.name)) throw new ScheduleNotFoundError(`no schedule ${spec.name}`);
    this.calls.push({ op: 'update', name: spec.name });
    this.byName.set(spec.name, { input: JSON.stringify(spec), lastModified: this.now() });
  }

  async delete(name: string): Promise<boolean> {
    this.calls.push({ op: 'delete', name });
    return this.byName.delete(name);
  }
}
