import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApiHandler, type ApiDeps } from '../../../functions/api/api';
import { schedulesCommand } from '../../../bin/schedules';
import { claimRecord, type RunClaim } from '../../../shared/domain/schedules/run-record';
import { parseScheduleSpec, type ScheduleSpecInput } from '../../../shared/domain/schedules/schedule-spec';
import { LocalApiGateway } from '../../../shared/local/api/local-api-gateway';
import { SimulatedSchedules } from '../../../shared/local/scheduler/simulated-schedules';
import { MemoryRunLedger } from '../../support/memory-schedules';
import { ManualClock, MemoryStore, silentLogger } from '../../support/memory-ports';

const NOW = Date.parse('2027-03-13T12:00:00Z');

const spec = (name: string, extra: Partial<ScheduleSpecInput> = {}): ScheduleSpecInput => ({
  name,
  expression: 'cron(30 2 * * ? *)',
  timezone: 'America/New_York',
  cluster: 'jobs',
  taskDefinition: 'gl-report',
  launchType: 'FARGATE',
  network: { subnets: ['subnet-0a1b2c3d'] },
  ...extra,
});

function dirWith(files: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'greenlight-schedules-'));
  for (const [file, content] of Object.entries(files)) {
    writeFileSync(path.join(dir, file), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

let gateway: LocalApiGateway;
let schedules: SimulatedSchedules;
let ledger: MemoryRunLedger;
let started: { name: string; input: { runSuffix: string; requestedAt: string } }[];
let clock: ManualClock;

beforeEach(async () => {
  schedules = new SimulatedSchedules(() => NOW);
  ledger = new MemoryRunLedger();
  started = [];
  clock = new ManualClock(NOW);
  const deps: ApiDeps = {
    executions: { start: async () => 'started', status: async () => 'NOT_FOUND' },
    store: new MemoryStore(),
    deployments: { runningDeployment: async () => null },
    clock,
    logger: silentLogger(),
    scheduling: {
      schedules,
      ledger,
      runs: {
        start: async (name, input) => {
          started.push({ name, input: JSON.parse(input) });
          return 'started';
        },
      },
      runSuffix: () => 'abc123',
    },
  };
  gateway = await LocalApiGateway.start({ handler: createApiHandler(deps), caller: 'local:test' });
});
afterEach(async () => {
  await gateway.stop();
});

async function cli(args: string[], options: { sleep?: (ms: number) => Promise<void> } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await schedulesCommand(args, {
    stdout: { write: (c: string) => (stdout += c) },
    stderr: { write: (c: string) => (stderr += c) },
    now: () => clock.now(),
    env: { GREENLIGHT_API_URL: gateway.url },
    ...options,
  });
  return { code, stdout, stderr };
}

const claim = (name: string, runId: string, slotAt: number): RunClaim => ({
  schedule: name,
  runId,
  trigger: 'schedule',
  slotAt,
  execution: `exec-${runId}`,
  cluster: 'jobs',
  startedAt: slotAt + 1000,
  expiresAt: NOW + 86_400_000,
});

describe('greenlight schedules diff | apply', () => {
  it('diff shows what apply would do; apply does it; a second diff shows nothing to change', async () => {
    await schedules.create(parseScheduleSpec(spec('old-job')));
    const dir = dirWith({
      'a.json': spec('nightly-report'),
      'b.json': spec('old-job', { timeoutSeconds: 120 }),
    });

    const diff = await cli(['diff', dir]);
    expect(diff).toEqual({
      code: 0,
      stdout:
        '+ nightly-report  create\n~ old-job  update: timeoutSeconds\n1 to create, 1 to update, 0 to delete, 0 unchanged\n',
      stderr: '',
    });
    expect(schedules.calls).toEqual([{ op: 'create', name: 'old-job' }]);

    const applied = await cli(['apply', dir]);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toBe(
      '+ nightly-report  create: created\n~ old-job  update: timeoutSeconds: updated\n1 to create, 1 to update, 0 to delete, 0 unchanged\n',
    );
    expect((await schedules.get('old-job'))?.spec?.timeoutSeconds).toBe(120);

    const again = await cli(['diff', dir]);
    expect(again.stdout).toBe(
      '= nightly-report  unchanged\n= old-job  unchanged\n0 to create, 0 to update, 0 to delete, 2 unchanged\n',
    );
  });

  it('deletes a schedule in no file only with --prune', async () => {
    await cli(['apply', dirWith({ 'a.json': spec('a'), 'b.json': spec('b') })]);
    const dir = dirWith({ 'a.json': spec('a') });
    const kept = await cli(['apply', dir]);
    expect(kept.stdout).toContain('nothing to apply');
    expect(kept.stdout).toContain('1 only deployed');
    expect(await schedules.get('b')).not.toBeNull();
    const pruned = await cli(['apply', dir, '--prune']);
    expect(pruned.stdout).toContain('- b  delete: deleted\n');
    expect(await schedules.get('b')).toBeNull();
  });

  it('refuses bad files (exit 2) naming each file and field, and sends nothing', async () => {
    const dir = dirWith({
      'a.json': spec('a', { expression: 'cron(61 2 * * ? *)' }),
      'b.json': '{ not json',
      'c.json': spec('a'),
      'd.json': spec('d', { overlap: 'sometimes' as never }),
      'notes.txt': 'ignored',
    });
    const result = await cli(['apply', dir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('greenlight schedules apply: invalid schedule files, nothing sent\n');
    expect(result.stderr).toContain(`  ${path.join(dir, 'a.json')}: expression.minutes: `);
    expect(result.stderr).toContain(`  ${path.join(dir, 'b.json')}: not valid JSON`);
    expect(result.stderr).toContain(`  ${path.join(dir, 'd.json')}: overlap: `);
    expect(result.stderr).not.toContain('c.json');
    expect(schedules.calls).toEqual([]);
    const dup = await cli(['diff', dirWith({ 'a.json': spec('a'), 'b.json': spec('a') })]);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(/b\.json: name: schedule a is also defined in .*a\.json/);
    expect((await cli(['diff', dirWith({})])).stderr).toContain('no *.json schedule files');
  });

  it('prints the changes as JSON with --json', async () => {
    const result = await cli(['diff', dirWith({ 'a.json': spec('a') }), '--json']);
    expect(JSON.parse(result.stdout)).toEqual({ changes: [{ action: 'create', name: 'a' }] });
  });
});

describe('greenlight schedules list | history | run | suspend | resume', () => {
  it('list: next runs in each schedule’s zone (DST skipped), suspended ones without, the last outcome', async () => {
    await cli([
      'apply',
      dirWith({ 'a.json': spec('nightly-report'), 'b.json': spec('paused', { enabled: false }) }),
    ]);
    await ledger.recordRun({
      ...claimRecord(
        claim('nightly-report', 'nightly-report_20270312T073000Z', Date.parse('2027-03-12T07:30:00Z')),
      ),
      status: 'FAILED',
      outcome: 'FAILED',
    });
    const result = await cli(['list', '--count', '2']);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^NAME\s+STATE\s+EXPRESSION\s+TIME ZONE\s+NEXT\s+LAST RUN$/);
    // 2027-03-14 02:30 does not exist in New York (spring forward): skipped.
    expect(lines[2]).toMatch(
      /^nightly-report\s+ENABLED\s+cron\(30 2 \* \* \? \*\)\s+America\/New_York\s+2027-03-15 02:30:00 -04:00; 2027-03-16 02:30:00 -04:00\s+FAILED \(2027-03-12T07:30:00.000Z\)$/,
    );
    expect(lines[3]).toMatch(/^paused\s+SUSPENDED\s+.*\s+-\s+-$/);
    const json = JSON.parse((await cli(['list', '--json'])).stdout);
    expect(json[0]).toMatchObject({
      name: 'nightly-report',
      nextRuns: ['2027-03-15 02:30:00 -04:00'],
      lastRun: { outcome: 'FAILED' },
    });
  });

  it('history: the runs, newest first, with exit codes and reasons', async () => {
    await ledger.recordRun({
      ...claimRecord(claim('nightly-report', 'r1', Date.parse('2027-03-12T07:30:00Z'))),
      status: 'FAILED',
      outcome: 'FAILED',
      durationMs: 61_000,
      exitCodes: { report: 3, log: 137 },
      reason: 'report exited 3',
    });
    const result = await cli(['history', 'nightly-report']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^r1\s+schedule\s+2027-03-12T07:30:00.000Z\s+FAILED\s+61 s\s+0\s+report=3 log=137\s+report exited 3$/m,
    );
    expect((await cli(['history', 'none'])).stdout).toBe('no runs of none in the ledger\n');
  });

  it('run: starts a manual run; --wait follows it in the ledger and exits by its outcome', async () => {
    await cli(['apply', dirWith({ 'a.json': spec('nightly-report') })]);
    const plain = await cli(['run', 'nightly-report']);
    expect(plain.stdout).toBe(
      'started run nightly-report_20270313T120000Z_mabc123\nfollow it with: greenlight schedules history nightly-report\n',
    );
    expect(started.map((s) => s.name)).toEqual(['nightly-report_20270313T120000Z_mabc123']);

    let polls = 0;
    const sleep = async () => {
      polls++;
      const runId = 'nightly-report_20270313T120000Z_mabc123';
      const c = claim('nightly-report', runId, NOW);
      if (polls === 1) await ledger.claimRun(c);
      if (polls === 2)
        await ledger.recordRun({ ...claimRecord(c), status: 'TIMED_OUT', outcome: 'TIMED_OUT' });
    };
    const waited = await cli(['run', 'nightly-report', '--wait', '--poll-seconds', '0.1'], { sleep });
    expect(waited.code).toBe(4);
    expect(waited.stdout).toContain('  STARTING\n  RUNNING\n  TIMED_OUT\n');
    expect(polls).toBe(2);
  });

  it('run --wait gives up after --max-wait-seconds, saying the run goes on', async () => {
    await cli(['apply', dirWith({ 'a.json': spec('nightly-report') })]);
    const sleep = async (ms: number) => clock.advance(ms);
    const result = await cli(
      ['run', 'nightly-report', '--wait', '--poll-seconds', '1', '--max-wait-seconds', '3'],
      { sleep },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('has not ended after --max-wait-seconds');
  });

  it('suspend and resume flip enabled (and so the Scheduler state), saying when nothing changed', async () => {
    await cli(['apply', dirWith({ 'a.json': spec('nightly-report') })]);
    expect((await cli(['suspend', 'nightly-report'])).stdout).toContain('nightly-report suspended');
    expect((await schedules.get('nightly-report'))?.state).toBe('DISABLED');
    expect((await cli(['suspend', 'nightly-report'])).stdout).toBe('nightly-report was already suspended\n');
    expect((await cli(['resume', 'nightly-report'])).stdout).toBe(
      'nightly-report resumed: its next slot fires\n',
    );
    expect((await schedules.get('nightly-report'))?.state).toBe('ENABLED');
  });

  it('answers an unknown schedule with exit 2 and the API’s message', async () => {
    const result = await cli(['suspend', 'nope']);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: 'greenlight schedules suspend: 404 NotFoundError: no schedule nope\n',
    });
  });

  it('needs the API URL and well-formed options (exit 2)', async () => {
    let stderr = '';
    const code = await schedulesCommand(['list'], {
      stdout: { write: () => true },
      stderr: { write: (c: string) => (stderr += c) },
      now: () => NOW,
      env: {},
    });
    expect([code, stderr]).toEqual([
      2,
      'greenlight schedules list: --api: the deploy API URL is required (or set GREENLIGHT_API_URL)\n',
    ]);
    expect((await cli(['history', 'x', '--limit', '0'])).code).toBe(2);
    expect((await cli(['run'])).code).toBe(2);
    expect((await cli(['list', '--bogus'])).code).toBe(2);
  });
});
