import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { schedulesCommand } from '../../../bin/schedules';

const ROOT = path.resolve(__dirname, '../../..');
const NOW = Date.parse('2027-03-13T12:00:00Z');
const EXAMPLES = path.join(ROOT, 'examples/schedules');

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await schedulesCommand(args, {
    stdout: { write: (c: string) => out.push(c) },
    stderr: { write: (c: string) => err.push(c) },
    now: () => NOW,
  });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('greenlight schedules', () => {
  describe('next', () => {
    it('prints the next runs in the zone with their offsets, skipping the slot DST removes', async () => {
      // Act
      const result = await run([
        'next',
        'cron(30 2 * * ? *)',
        '--tz',
        'America/New_York',
        '--from',
        '2027-03-13T00:00:00Z',
        '--count',
        '3',
      ]);

      // Assess
      expect(result).toEqual({
        code: 0,
        stdout:
          '2027-03-13 02:30:00 -05:00 (America/New_York)\n' +
          '2027-03-15 02:30:00 -04:00 (America/New_York)\n' +
          '2027-03-16 02:30:00 -04:00 (America/New_York)\n',
        stderr: '',
      });
    });

    it('prints UTC instants as a JSON array with --json', async () => {
      const result = await run([
        'next',
        'cron(30 2 * * ? *)',
        '--tz',
        'America/New_York',
        '--from',
        '2027-03-14T00:00:00Z',
        '--count',
        '2',
        '--json',
      ]);

      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual(['2027-03-15T06:30:00.000Z', '2027-03-16T06:30:00.000Z']);
    });

    it('starts strictly after --from, which defaults to now', async () => {
      const atSlot = await run([
        'next',
        'cron(0 12 * * ? *)',
        '--from',
        '2027-03-13T12:00:00Z',
        '--count',
        '1',
        '--json',
      ]);
      const fromNow = await run(['next', 'cron(0 12 * * ? *)', '--count', '1', '--json']);

      expect(JSON.parse(atSlot.stdout)).toEqual(['2027-03-14T12:00:00.000Z']);
      expect(JSON.parse(fromNow.stdout)).toEqual(['2027-03-14T12:00:00.000Z']);
    });

    it('prints five runs by default, in UTC by default', async () => {
      const result = await run(['next', 'rate(1 hour)']);

      expect(result.stdout.trim().split('\n')).toEqual([
        '2027-03-13 13:00:00 +00:00 (UTC)',
        '2027-03-13 14:00:00 +00:00 (UTC)',
        '2027-03-13 15:00:00 +00:00 (UTC)',
        '2027-03-13 16:00:00 +00:00 (UTC)',
        '2027-03-13 17:00:00 +00:00 (UTC)',
      ]);
    });

    it('reads a --from without an offset as a local time in the zone', async () => {
      const result = await run([
        'next',
        'cron(0 * * * ? *)',
        '--tz',
        'Europe/Berlin',
        '--from',
        '2027-10-31T01:30',
        '--count',
        '3',
      ]);

      expect(result.stdout).toBe(
        '2027-10-31 02:00:00 +02:00 (Europe/Berlin)\n' +
          '2027-10-31 03:00:00 +01:00 (Europe/Berlin)\n' +
          '2027-10-31 04:00:00 +01:00 (Europe/Berlin)\n',
      );
    });

    it('prints an empty array, or says so, when nothing is left to run', async () => {
      const json = await run(['next', 'at(2027-01-01T00:00:00)', '--json']);
      const text = await run(['next', 'at(2027-01-01T00:00:00)']);

      expect(json).toMatchObject({ code: 0, stdout: '[]\n' });
      expect(text).toMatchObject({ code: 0, stdout: '', stderr: 'no run after 2027-03-13T12:00:00.000Z\n' });
    });

    it.each([
      [['cron(61 2 * * ? *)'], 'expression.minutes: 61 is out of range 0–59'],
      [
        ['cron(0 2 1 * MON *)'],
        'expression: day-of-month and day-of-week cannot both be given; one must be ?',
      ],
      [['rate(1 days)'], 'expression.unit: a value of 1 takes the singular: rate(1 day)'],
      [
        ['at(2027-03-14T02:30:00)', '--tz', 'America/New_York'],
        'expression: at(2027-03-14T02:30:00) does not exist in America/New_York',
      ],
      [['cron(0 2 * * ? *)', '--tz', 'Nowhere/Land'], '--tz: "Nowhere/Land" is not an IANA time zone name'],
      [['cron(0 2 * * ? *)', '--count', '0'], '--count: expected a whole number from 1 to 1000, got "0"'],
      [['cron(0 2 * * ? *)', '--count', '1001'], '--count: expected a whole number from 1 to 1000'],
      [['cron(0 2 * * ? *)', '--from', 'tomorrow'], '--from: expected an ISO-8601 date and time'],
      [
        ['cron(0 2 * * ? *)', '--from', '2027-02-30T00:00:00Z'],
        '--from: "2027-02-30T00:00:00Z" is not a date and time',
      ],
      [
        ['cron(0 2 * * ? *)', '--tz', 'America/New_York', '--from', '2027-03-14T02:30'],
        '--from: 2027-03-14T02:30 does not exist',
      ],
      [['cron(0 2 * * ? *)', '--colour'], "schedules next: Unknown option '--colour'"],
      [[], 'schedules next: give one EXPRESSION (quoted), got 0'],
      [['cron(0', '2', '*', '*', '?', '*)'], 'schedules next: give one EXPRESSION (quoted), got 6'],
    ])('exits 2 on %j naming the problem', async (args, message) => {
      const result = await run(['next', ...args]);

      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(message);
    });

    it('names every problem at once', async () => {
      const result = await run(['next', 'cron(61 25 * * ? *)', '--count', 'x']);

      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        'expression.minutes: 61 is out of range 0–59\n' +
          'expression.hours: 25 is out of range 0–23\n' +
          '--count: expected a whole number from 1 to 1000, got "x"\n',
      );
    });
  });

  describe('help', () => {
    it('lists every command of issue 12, none of them left unimplemented', async () => {
      const result = await run(['--help']);

      expect(result.code).toBe(0);
      for (const command of [
        'list',
        'run NAME',
        'history NAME',
        'next EXPRESSION',
        'diff DIR',
        'apply DIR',
        'suspend NAME',
        'resume NAME',
      ]) {
        expect(result.stdout).toContain(`  ${command}`);
      }
      expect(result.stdout).not.toContain('not implemented yet');
    });

    it.each(['list', 'run', 'history', 'diff', 'apply', 'suspend', 'resume'])(
      '%s needs the deploy API (exit 2 without --api)',
      async (command) => {
        // diff and apply read (and validate) the files first: the example directory is valid.
        const arg = { list: [], diff: [EXAMPLES], apply: [EXAMPLES] }[command as string] ?? [
          'nightly-report',
        ];
        const result = await run([command, ...arg]);

        expect(result).toEqual({
          code: 2,
          stdout: '',
          stderr: `greenlight schedules ${command}: --api: the deploy API URL is required (or set GREENLIGHT_API_URL)\n`,
        });
      },
    );

    it('refuses an unknown command and no command with exit 2', async () => {
      expect((await run(['frobnicate'])).code).toBe(2);
      expect((await run([])).code).toBe(2);
    });
  });

  it('runs through the real CLI process', async () => {
    // Prepare
    const exec = promisify(execFile);
    const cli = path.join(ROOT, 'bin/greenlight.js');

    // Act
    const ok = await exec(process.execPath, [
      cli,
      'schedules',
      'next',
      'cron(30 1 * * ? *)',
      '--tz',
      'America/New_York',
      '--from',
      '2027-11-06T12:00:00Z',
      '--count',
      '2',
      '--json',
    ]);
    const bad = await exec(process.execPath, [cli, 'schedules', 'next', 'cron(61 1 * * ? *)']).catch(
      (e: { code: number; stderr: string }) => e,
    );

    // Assess
    expect(JSON.parse(ok.stdout)).toEqual(['2027-11-07T05:30:00.000Z', '2027-11-08T06:30:00.000Z']);
    expect(bad).toMatchObject({ code: 2, stderr: 'expression.minutes: 61 is out of range 0–59\n' });
  });
});
