import fc from 'fast-check';
import { beginRun } from '../../../functions/schedules/begin-run';
import { InvalidInputError } from '../../../shared/domain/errors';
import { slotRunId } from '../../../shared/domain/schedules/run-id';
import { manualRunInput, scheduledRunInput } from '../../../shared/domain/schedules/run-input';
import {
  changedFields,
  countChanges,
  diffSchedules,
  type DeployedView,
  type ScheduleChange,
} from '../../../shared/domain/schedules/schedule-diff';
import {
  parseScheduleSpec,
  type ScheduleSpec,
  type ScheduleSpecInput,
} from '../../../shared/domain/schedules/schedule-spec';
import { MemoryRunLedger } from '../../support/memory-schedules';
import { ManualClock, silentLogger } from '../../support/memory-ports';

const base = (name: string, extra: Partial<ScheduleSpecInput> = {}): ScheduleSpec =>
  parseScheduleSpec({
    name,
    expression: 'cron(30 2 * * ? *)',
    cluster: 'jobs',
    taskDefinition: 'gl-report',
    launchType: 'FARGATE',
    network: { subnets: ['subnet-0a1b2c3d'] },
    ...extra,
  });

const deployed = (spec: ScheduleSpec, drift: string[] = []): DeployedView => ({
  name: spec.name,
  spec,
  drift,
});

describe('diffSchedules', () => {
  it('creates what is only in the files, keeps or deletes what is only deployed', () => {
    const changes = diffSchedules([base('a')], [deployed(base('z'))], { prune: false });
    expect(changes).toEqual([
      { action: 'create', name: 'a', spec: base('a') },
      { action: 'extra', name: 'z' },
    ]);
    expect(diffSchedules([], [deployed(base('z'))], { prune: true })).toEqual([
      { action: 'delete', name: 'z' },
    ]);
  });

  it('names the changed fields of an update, nested ones as dotted paths and arrays whole', () => {
    const before = base('a');
    const after = base('a', {
      expression: 'rate(1 hour)',
      retries: { capacity: { attempts: 1 } },
      overrides: [{ name: 'job', command: ['run'] }],
    });
    expect(diffSchedules([after], [deployed(before)], { prune: false })).toEqual([
      {
        action: 'update',
        name: 'a',
        spec: after,
        fields: ['expression', 'overrides', 'retries.capacity.attempts'],
      },
    ]);
  });

  it('treats a default written out and a field left out as the same', () => {
    const explicit = base('a', { timezone: 'UTC', overlap: 'forbid', timeoutSeconds: 3600 });
    expect(diffSchedules([explicit], [deployed(base('a'))], { prune: true })).toEqual([
      { action: 'unchanged', name: 'a' },
    ]);
  });

  it('updates a schedule whose Scheduler settings were changed by hand, or whose input is no spec', () => {
    const spec = base('a');
    expect(diffSchedules([spec], [deployed(spec, ['state'])], { prune: false })).toEqual([
      { action: 'update', name: 'a', spec, fields: ['scheduler.state'] },
    ]);
    expect(diffSchedules([spec], [{ name: 'a', spec: null, drift: [] }], { prune: false })).toEqual([
      { action: 'update', name: 'a', spec, fields: ['spec'] },
    ]);
  });

  it('refuses a name given twice, naming it', () => {
    expect(() => diffSchedules([base('a'), base('a')], [], { prune: false })).toThrow(InvalidInputError);
    expect(() => diffSchedules([base('a'), base('a')], [], { prune: false })).toThrow(
      'desired[1].name: schedule a is given twice',
    );
  });

  it('counts the changes by action', () => {
    const changes = diffSchedules([base('a'), base('b')], [deployed(base('b')), deployed(base('c'))], {
      prune: true,
    });
    expect(countChanges(changes)).toEqual({ create: 1, update: 0, unchanged: 1, delete: 1, extra: 0 });
  });

  it('changedFields: added and removed optional fields count as changes', () => {
    expect(changedFields(base('a'), base('a', { description: 'x' }))).toEqual(['description']);
    expect(changedFields({ a: [1, 2] }, { a: [1, 2] })).toEqual([]);
    expect(changedFields({ a: [{ b: 1 }] }, { a: [{ b: 2 }] })).toEqual(['a']);
  });
});

describe('diffSchedules, properties', () => {
  const names = fc.constantFrom('a', 'b', 'c', 'd', 'e');
  const variant = fc.record({
    expression: fc.constantFrom('cron(30 2 * * ? *)', 'rate(1 hour)', 'cron(0 */2 ? * MON-FRI *)'),
    timezone: fc.constantFrom('UTC', 'Europe/Paris', 'America/New_York'),
    enabled: fc.boolean(),
    overlap: fc.constantFrom('allow', 'forbid', 'replace') as fc.Arbitrary<'allow' | 'forbid' | 'replace'>,
    timeoutSeconds: fc.integer({ min: 60, max: 7200 }),
  });
  const specs = fc
    .uniqueArray(fc.tuple(names, variant), { selector: ([n]) => n, maxLength: 5 })
    .map((list) => list.map(([n, v]) => base(n, v)));
  const drift = fc.subarray(['state', 'target.roleArn', 'scheduleExpression']);
  const live = fc
    .uniqueArray(fc.tuple(names, variant, drift, fc.boolean()), { selector: ([n]) => n, maxLength: 5 })
    .map((list) =>
      list.map(([n, v, d, unreadable]): DeployedView =>
        unreadable ? { name: n, spec: null, drift: [] } : { name: n, spec: base(n, v), drift: d },
      ),
    );

  /** What Scheduler holds once the changes are applied (as the apply command does). */
  function apply(state: DeployedView[], changes: ScheduleChange[]): DeployedView[] {
    const map = new Map(state.map((s) => [s.name, s]));
    for (const c of changes) {
      if (c.action === 'create' || c.action === 'update') map.set(c.name, deployed(c.spec));
      if (c.action === 'delete') map.delete(c.name);
    }
    return [...map.values()];
  }

  it('one change per name of either side; applying them leaves nothing to change', () => {
    fc.assert(
      fc.property(specs, live, fc.boolean(), (desired, current, prune) => {
        const changes = diffSchedules(desired, current, { prune });
        const all = new Set([...desired, ...current].map((s) => s.name));
        expect(changes.map((c) => c.name)).toEqual([...all].sort());
        const after = apply(current, changes);
        const again = diffSchedules(desired, after, { prune });
        for (const c of again) expect(['unchanged', 'extra']).toContain(c.action);
        // What was deployed is now exactly what the files say, drift and unreadable inputs put back.
        for (const spec of desired) expect(after.find((s) => s.name === spec.name)).toEqual(deployed(spec));
        if (prune) expect(after.map((s) => s.name).sort()).toEqual(desired.map((s) => s.name).sort());
      }),
    );
  });

  it('never deletes without prune, and an update always names at least one field that differs', () => {
    fc.assert(
      fc.property(specs, live, (desired, current) => {
        for (const c of diffSchedules(desired, current, { prune: false })) {
          expect(c.action).not.toBe('delete');
          if (c.action === 'update') {
            expect(c.fields.length).toBeGreaterThan(0);
            const was = current.find((s) => s.name === c.name)!;
            const specFields = c.fields.filter((f) => !f.startsWith('scheduler.') && f !== 'spec');
            for (const f of specFields) {
              const read = (s: unknown) =>
                f.split('.').reduce((o, k) => (o as Record<string, unknown>)?.[k], s);
              expect(JSON.stringify(read(was.spec))).not.toEqual(JSON.stringify(read(c.spec)));
            }
          }
        }
      }),
    );
  });
});

describe('the run inputs BeginRun reads', () => {
  const deps = () => ({
    ledger: new MemoryRunLedger(),
    clock: new ManualClock(Date.parse('2027-03-15T06:30:05Z')),
    logger: silentLogger(),
  });

  it('a Scheduler delivery (placeholder filled in) claims the slot of its scheduled time', async () => {
    const spec = base('nightly-report');
    const delivered = JSON.parse(
      JSON.stringify(scheduledRunInput(spec)).replace(
        '<aws.scheduler.scheduled-time>',
        '2027-03-15T06:30:00Z',
      ),
    );
    const out = await beginRun(deps(), { input: delivered, execution: 'exec-1' });
    expect(out.run.runId).toBe(slotRunId('nightly-report', Date.parse('2027-03-15T06:30:00Z')));
    expect(out.run.status).toBe('new');
    expect(out.spec).toEqual(spec);
  });

  it('a manual run is named after its request and suffix', async () => {
    const spec = base('nightly-report');
    const input = manualRunInput(spec, Date.parse('2027-03-15T06:30:01.250Z'), 'abc123');
    const out = await beginRun(deps(), { input: JSON.parse(JSON.stringify(input)), execution: 'x' });
    expect(out.run.runId).toBe('nightly-report_20270315T063001Z_mabc123');
    expect(out.run.trigger).toBe('manual');
  });
});
