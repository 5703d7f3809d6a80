import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidInputError } from '../../../shared/domain/errors';
import {
  ecsContainerOverrides,
  parseScheduleSpec,
  runsOnFargate,
  totalBackoffSeconds,
  type ScheduleSpecInput,
} from '../../../shared/domain/schedules/schedule-spec';

const MINIMAL: ScheduleSpecInput = {
  name: 'nightly-report',
  expression: 'cron(30 2 * * ? *)',
  cluster: 'prod',
  taskDefinition: 'report',
  launchType: 'FARGATE',
  network: { subnets: ['subnet-0a1b2c3d'] },
};

/** The `path: message` pairs a spec is refused with. */
function issues(input: unknown): { path: string; message: string }[] {
  try {
    parseScheduleSpec(input);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as InvalidInputError).issues;
  }
  throw new Error('the spec was accepted');
}

const paths = (input: unknown): string[] => issues(input).map((i) => i.path);
const messageAt = (input: unknown, at: string): string | undefined =>
  issues(input).find((i) => i.path === at)?.message;

describe('schedule spec', () => {
  describe('defaults', () => {
    it('fills in every default of a minimal spec', () => {
      // Act
      const spec = parseScheduleSpec(MINIMAL);

      // Assess
      expect(spec).toEqual({
        ...MINIMAL,
        timezone: 'UTC',
        enabled: true,
        network: { subnets: ['subnet-0a1b2c3d'], securityGroups: [], assignPublicIp: false },
        overrides: [],
        timeoutSeconds: 3600,
        overlap: 'forbid',
        startingDeadlineSeconds: 600,
        retries: {
          capacity: { attempts: 3, backoffSeconds: 30, backoffRate: 2, maxBackoffSeconds: 300 },
          application: {
            attempts: 0,
            backoffSeconds: 60,
            backoffRate: 2,
            maxBackoffSeconds: 900,
            onExitCodes: [],
            retryOnTimeout: false,
          },
        },
        successExitCodes: [0],
        alerts: { onFailure: true, onRecovery: true, onMissed: true, onSkipped: false, onEveryRun: false },
        historyTtlDays: 90,
      });
      expect(spec.verdictContainers).toBeUndefined();
    });

    it('keeps the defaults of a policy when only one of its fields is given', () => {
      const spec = parseScheduleSpec({
        ...MINIMAL,
        retries: { application: { attempts: 2 } },
        alerts: { onEveryRun: true },
      });

      expect(spec.retries.capacity.attempts).toBe(3);
      expect(spec.retries.application).toMatchObject({ attempts: 2, backoffSeconds: 60, onExitCodes: [] });
      expect(spec.alerts).toMatchObject({ onFailure: true, onEveryRun: true });
    });

    it('reads the example schedule file', () => {
      const file = path.resolve(__dirname, '../../../examples/schedules/nightly-report.json');

      const spec = parseScheduleSpec(JSON.parse(readFileSync(file, 'utf8')));

      expect(spec).toMatchObject({
        name: 'nightly-report',
        timezone: 'Europe/Berlin',
        verdictContainers: ['report'],
      });
    });
  });

  describe('accepted variants', () => {
    it.each([
      ['a family', 'report'],
      ['a family and revision', 'report:42'],
      ['a task definition ARN', 'arn:aws:ecs:eu-west-1:123456789012:task-definition/report:7'],
      ['the revision a service runs', { service: 'web' }],
    ])('takes the task definition as %s', (_, taskDefinition) => {
      expect(parseScheduleSpec({ ...MINIMAL, taskDefinition }).taskDefinition).toEqual(taskDefinition);
    });

    it('takes a Fargate Spot capacity provider strategy', () => {
      const spec = parseScheduleSpec({
        ...MINIMAL,
        launchType: undefined,
        capacityProviderStrategy: [
          { capacityProvider: 'FARGATE', base: 1, weight: 1 },
          { capacityProvider: 'FARGATE_SPOT', weight: 4 },
        ],
      });

      expect(runsOnFargate(spec)).toBe(true);
    });

    it('takes EC2 with placement and no awsvpc network', () => {
      const spec = parseScheduleSpec({
        ...MINIMAL,
        launchType: 'EC2',
        network: undefined,
        placement: {
          strategy: [
            { type: 'spread', field: 'attribute:ecs.availability-zone' },
            { type: 'binpack', field: 'memory' },
          ],
          constraints: [{ type: 'memberOf', expression: 'attribute:ecs.instance-type =~ m7g.*' }],
        },
      });

      expect(runsOnFargate(spec)).toBe(false);
      expect(spec.placement?.strategy).toHaveLength(2);
    });

    it('takes rate() and at() expressions and IANA zones', () => {
      expect(parseScheduleSpec({ ...MINIMAL, expression: 'rate(15 minutes)' }).expression).toBe(
        'rate(15 minutes)',
      );
      expect(
        parseScheduleSpec({ ...MINIMAL, expression: 'at(2027-11-07T01:30:00)', timezone: 'America/New_York' })
          .timezone,
      ).toBe('America/New_York');
    });

    it('takes container overrides and shapes them as RunTask wants', () => {
      const spec = parseScheduleSpec({
        ...MINIMAL,
        overrides: [
          {
            name: 'report',
            command: ['node', 'report.js', '--full'],
            environment: { MODE: 'full' },
            memory: 2048,
          },
        ],
      });

      expect(ecsContainerOverrides(spec.overrides)).toEqual({
        containerOverrides: [
          {
            name: 'report',
            command: ['node', 'report.js', '--full'],
            environment: [{ name: 'MODE', value: 'full' }],
            memory: 2048,
          },
        ],
      });
    });
  });

  describe('refusals name the field', () => {
    it.each<
      [string, Partial<Record<keyof ScheduleSpecInput, unknown>> & Record<string, unknown>, string, string]
    >([
      ['a name Scheduler refuses', { name: 'nightly report' }, 'schedule.name', 'expected 1–64 letters'],
      ['a name over 64 characters', { name: 'x'.repeat(65) }, 'schedule.name', 'expected 1–64'],
      [
        'a minute of 61',
        { expression: 'cron(61 2 * * ? *)' },
        'schedule.expression.minutes',
        '61 is out of range 0–59',
      ],
      [
        'both day fields',
        { expression: 'cron(0 2 1 * MON *)' },
        'schedule.expression',
        'day-of-month and day-of-week cannot both be given; one must be ?',
      ],
      ['an unknown zone', { timezone: 'Mars/Olympus' }, 'schedule.timezone', 'is not an IANA time zone name'],
      ['an offset for a zone', { timezone: '+02:00' }, 'schedule.timezone', 'is not an IANA time zone name'],
      [
        'a zone in the wrong case',
        { timezone: 'europe/berlin' },
        'schedule.timezone',
        'write it as "Europe/Berlin"',
      ],
      [
        'revision 0',
        { taskDefinition: 'report:0' },
        'schedule.taskDefinition',
        'expected a family, family:revision',
      ],
      [
        'a bad subnet',
        { network: { subnets: ['10.0.0.0/24'] } },
        'schedule.network.subnets[0]',
        'expected a subnet id',
      ],
      ['17 subnets', { network: { subnets: Array(17).fill('subnet-0a') } }, 'schedule.network.subnets', ''],
      [
        '6 security groups',
        { network: { subnets: ['subnet-0a'], securityGroups: Array(6).fill('sg-0a') } },
        'schedule.network.securityGroups',
        '',
      ],
      ['a timeout under a minute', { timeoutSeconds: 30 }, 'schedule.timeoutSeconds', ''],
      ['an unknown overlap policy', { overlap: 'queue' }, 'schedule.overlap', ''],
      [
        'a deadline past Scheduler maximum event age',
        { startingDeadlineSeconds: 90_000 },
        'schedule.startingDeadlineSeconds',
        '',
      ],
      ['an exit code of 256', { successExitCodes: [0, 256] }, 'schedule.successExitCodes[1]', ''],
      [
        'a repeated success code',
        { successExitCodes: [0, 0] },
        'schedule.successExitCodes[1]',
        '0 is listed twice',
      ],
      ['a history of 0 days', { historyTtlDays: 0 }, 'schedule.historyTtlDays', ''],
      ['an unknown field', { schedule: 'nightly' }, 'schedule', 'Unrecognized key: "schedule"'],
      [
        'an unknown alert',
        { alerts: { onSuccess: true } },
        'schedule.alerts',
        'Unrecognized key: "onSuccess"',
      ],
      [
        'a bad variable name',
        { overrides: [{ name: 'app', environment: { 'MY-VAR': 'x' } }] },
        'schedule.overrides[0].environment.MY-VAR',
        'expected a variable name',
      ],
    ])('refuses %s', (_, change, at, message) => {
      expect(messageAt({ ...MINIMAL, ...change }, at)).toContain(message);
    });

    it('refuses launchType with a capacity provider strategy', () => {
      const input = {
        ...MINIMAL,
        capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
      };

      expect(messageAt(input, 'schedule.capacityProviderStrategy')).toBe(
        'give launchType or capacityProviderStrategy, not both',
      );
    });

    it('refuses two bases, a provider listed twice, and Fargate mixed with an Auto Scaling group provider', () => {
      const input = {
        ...MINIMAL,
        launchType: undefined,
        capacityProviderStrategy: [
          { capacityProvider: 'FARGATE', base: 1 },
          { capacityProvider: 'FARGATE', base: 2 },
          { capacityProvider: 'asg-large', weight: 1 },
        ],
      };

      expect(issues(input)).toEqual(
        expect.arrayContaining([
          {
            path: 'schedule.capacityProviderStrategy[1].capacityProvider',
            message: 'FARGATE is listed twice',
          },
          {
            path: 'schedule.capacityProviderStrategy[1].base',
            message: 'only one capacity provider of a strategy may set a base',
          },
          {
            path: 'schedule.capacityProviderStrategy',
            message:
              'FARGATE / FARGATE_SPOT cannot be mixed with Auto Scaling group capacity providers in one strategy',
          },
        ]),
      );
    });

    it('refuses placement on Fargate and Fargate without a network', () => {
      const input = { ...MINIMAL, network: undefined, placement: { strategy: [{ type: 'random' }] } };

      expect(messageAt(input, 'schedule.placement')).toContain('EC2 only');
      expect(messageAt(input, 'schedule.network')).toContain('required on Fargate');
    });

    it('refuses a public IP on EC2', () => {
      const input = {
        ...MINIMAL,
        launchType: 'EC2',
        network: { subnets: ['subnet-0a'], assignPublicIp: true },
      };

      expect(messageAt(input, 'schedule.network.assignPublicIp')).toBe(
        'a public IP can be assigned on Fargate only',
      );
    });

    it('refuses a spread strategy without its field, and binpack on anything but cpu or memory', () => {
      const input = {
        ...MINIMAL,
        launchType: 'EC2',
        placement: { strategy: [{ type: 'spread' }, { type: 'binpack', field: 'disk' }] },
      };

      expect(paths(input)).toEqual(
        expect.arrayContaining([
          'schedule.placement.strategy[0].field',
          'schedule.placement.strategy[1].field',
        ]),
      );
    });

    it('refuses overrides larger than RunTask takes, and a container overridden twice', () => {
      const big = { ...MINIMAL, overrides: [{ name: 'app', command: Array(10).fill('x'.repeat(900)) }] };
      const twice = { ...MINIMAL, overrides: [{ name: 'app' }, { name: 'app' }] };

      expect(messageAt(big, 'schedule.overrides')).toMatch(
        /^RunTask allows 8192 characters of overrides \(JSON included\), these take \d+$/,
      );
      expect(messageAt(twice, 'schedule.overrides[1].name')).toBe('container app is overridden twice');
    });

    it('refuses retrying a success exit code', () => {
      const input = { ...MINIMAL, retries: { application: { attempts: 2, onExitCodes: [1, 0] } } };

      expect(messageAt(input, 'schedule.retries.application.onExitCodes[1]')).toBe(
        '0 is a success exit code; a success is never retried',
      );
    });

    it('refuses start retries that would wait past the starting deadline', () => {
      const input = { ...MINIMAL, startingDeadlineSeconds: 120, retries: { capacity: { attempts: 3 } } };

      expect(messageAt(input, 'schedule.retries.capacity.attempts')).toBe(
        'the start retries wait up to 210 s in all, past startingDeadlineSeconds (120 s), after which the run is recorded missed: fewer attempts, shorter backoff, or a later deadline',
      );
    });

    it('refuses an at() time that the zone skips', () => {
      const input = { ...MINIMAL, expression: 'at(2027-03-28T02:30:00)', timezone: 'Europe/Berlin' };

      expect(messageAt(input, 'schedule.expression')).toBe(
        'at(2027-03-28T02:30:00) does not exist in Europe/Berlin: the clocks skip that time when daylight saving time begins',
      );
    });

    it('names every bad field at once', () => {
      const input = {
        ...MINIMAL,
        name: '',
        expression: 'cron(0 25 * * ? *)',
        cluster: 'my cluster',
        timeoutSeconds: 0,
      };

      expect(paths(input)).toEqual(
        expect.arrayContaining([
          'schedule.name',
          'schedule.expression.hours',
          'schedule.cluster',
          'schedule.timeoutSeconds',
        ]),
      );
    });

    it('refuses input that is not an object without crashing', () => {
      expect(paths(null)).toEqual(['schedule']);
      expect(paths([])).toEqual(['schedule']);
      expect(paths({ ...MINIMAL, retries: 'x', overrides: 5, network: 3 })).toEqual(
        expect.arrayContaining(['schedule.retries', 'schedule.overrides', 'schedule.network']),
      );
    });
  });

  it('adds up the waits of a retry policy, capped at its maximum', () => {
    expect(
      totalBackoffSeconds({ attempts: 3, backoffSeconds: 30, backoffRate: 2, maxBackoffSeconds: 300 }),
    ).toBe(210);
    expect(
      totalBackoffSeconds({ attempts: 5, backoffSeconds: 100, backoffRate: 3, maxBackoffSeconds: 500 }),
    ).toBe(100 + 300 + 500 + 500 + 500);
    expect(
      totalBackoffSeconds({ attempts: 0, backoffSeconds: 30, backoffRate: 2, maxBackoffSeconds: 300 }),
    ).toBe(0);
  });
});
