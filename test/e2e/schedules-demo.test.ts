/**
 * `npm run demo -- schedules` end to end: the local scheduler, the scheduled-task machine, the
 * production ledger on dynalite and real task processes; each case's outcome, exit codes and
 * attempts, the report file and the alerts sent.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runSchedulesDemo, type SchedulesDemoReport } from '../../bin/schedules-demo';

describe('greenlight demo schedules', () => {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'greenlight-schedules-'));
  let report: SchedulesDemoReport;
  let printed = '';

  beforeAll(async () => {
    report = await runSchedulesDemo({ workDir, out: { write: (chunk: string) => (printed += chunk) } });
  }, 90_000);

  const row = (schedule: string, index = 0) => report.runs.filter((r) => r.schedule === schedule)[index];

  it('ends every run as expected and writes exactly that report', () => {
    expect(report.passed).toBe(true);
    expect(report.runs).toHaveLength(11);
    const written = JSON.parse(readFileSync(path.join(workDir, 'schedules-report.json'), 'utf8'));
    expect(written).toEqual(report);
    expect(Object.keys(written)).toEqual(['runs', 'passed']);
    for (const run of written.runs) {
      expect(Object.keys(run)).toEqual([
        'schedule',
        'case',
        'outcome',
        'expected',
        'attempts',
        'exitCodes',
        'durationMs',
      ]);
    }
  });

  it('records each case with its outcome, exit codes and attempts', () => {
    expect(row('nightly-report')).toMatchObject({ outcome: 'SUCCEEDED', attempts: 1, exitCodes: { job: 0 } });
    expect(row('nightly-export')).toMatchObject({ outcome: 'FAILED', attempts: 1, exitCodes: { job: 3 } });
    expect(row('nightly-reindex')).toMatchObject({
      outcome: 'TIMED_OUT',
      attempts: 1,
      exitCodes: { job: 143 },
    });
    // Stopped at the limit (60 s) plus at most one poll (10 s) and the stop itself.
    expect(row('nightly-reindex')!.durationMs).toBeGreaterThanOrEqual(60_000);
    expect(row('nightly-reindex')!.durationMs).toBeLessThan(120_000);
    expect(row('sync-orders', 0)).toMatchObject({ outcome: 'SUCCEEDED', attempts: 1, exitCodes: { job: 0 } });
    expect(row('sync-orders', 0)!.durationMs).toBeGreaterThan(100_000);
    expect(row('sync-orders', 1)).toMatchObject({ outcome: 'SKIPPED', attempts: 0, exitCodes: {} });
    // replace: the running task is stopped (SIGTERM: 143), the new slot runs to its end.
    expect(row('sync-inventory', 0)).toMatchObject({
      outcome: 'FAILED',
      attempts: 1,
      exitCodes: { job: 143 },
    });
    expect(row('sync-inventory', 1)).toMatchObject({
      outcome: 'SUCCEEDED',
      attempts: 1,
      exitCodes: { job: 0 },
    });
    // Stopped before its 90 s were up, once the next slot (60 s later) took over.
    expect(row('sync-inventory', 0)!.durationMs).toBeLessThan(90_000);
    // Delivered twice: one run, and the second delivery recognised (no second task).
    expect(row('nightly-digest', 0)).toMatchObject({ outcome: 'SUCCEEDED', attempts: 1 });
    expect(row('nightly-digest', 1)).toMatchObject({
      case: 'second delivery of the same slot',
      outcome: 'DUPLICATE',
      expected: 'DUPLICATE',
      attempts: 0,
    });
    expect(printed).toContain('duplicate delivery of a claimed slot: nothing started');
    expect(printed).toContain('(overlap: replace): StopTask');
    expect(row('nightly-billing')).toMatchObject({
      outcome: 'SUCCEEDED',
      attempts: 2,
      exitCodes: { job: 0 },
    });
    expect(row('nightly-ingest')).toMatchObject({
      outcome: 'SUCCEEDED',
      attempts: 1,
      exitCodes: { job: 0, 'log-router': 137 },
    });
  });

  it('alerts the failed, timed-out and replaced runs (and the recovery after it) only, and names the simulated capacity failure', () => {
    const alerts = readFileSync(path.join(workDir, 'schedules', 'notifications.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { attributes: Record<string, string> });
    expect(alerts.map((a) => [a.attributes.schedule, a.attributes.outcome]).sort()).toEqual([
      ['nightly-export', 'FAILED'],
      ['nightly-reindex', 'TIMED_OUT'],
      ['sync-inventory', 'FAILED'],
      ['sync-inventory', 'SUCCEEDED'],
    ]);
    expect(printed).toContain('RunTask failures[]: RESOURCE:MEMORY (simulated by the local task runner)');
    expect(printed).toMatch(/Time is compressed ×5/);
  });
});
