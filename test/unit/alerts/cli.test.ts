import { readFileSync } from 'node:fs';
import path from 'node:path';
import { alertsCommand, type CommandIo } from '../../../bin/alerts';

const FIXTURES = path.resolve(__dirname, '../../fixtures/ecs-events');

function io(input: string, env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const streams: CommandIo = {
    readInput: async () => input,
    stdout: { write: (chunk: string) => out.push(chunk) },
    stderr: { write: (chunk: string) => err.push(chunk) },
    env,
  };
  return { streams, stdout: () => out.join(''), stderr: () => err.join('') };
}

const fixture = (name: string) => readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8');

describe('greenlight alerts explain', () => {
  it('prints the alert a stopped task would send, saying it is not enriched', async () => {
    // Prepare
    const { streams, stdout } = io(fixture('out-of-memory'));

    // Act
    const code = await alertsCommand(['explain'], streams);

    // Assess
    expect(code).toBe(0);
    expect(stdout()).toContain('Would alert: as the first stop of this task');
    expect(stdout()).toContain('Subject: [high] web-blue (prod): out of memory (app, exit 137)');
    expect(stdout()).toContain('Logs: not enriched (explained offline, without AWS)');
    expect(stdout()).toContain(
      'Attributes: event=task-stopped kind=alert cluster=prod service=web-blue family=web category=out-of-memory severity=high',
    );
  });

  it('prints structured JSON with --json, secrets redacted', async () => {
    // Prepare
    const { streams, stdout } = io(fixture('exit-with-secret-overrides'));

    // Act
    const code = await alertsCommand(['explain', '--json'], streams);

    // Assess
    expect(code).toBe(0);
    const output = JSON.parse(stdout()) as {
      wouldAlert: boolean;
      status: string;
      enriched: boolean;
      alert: { attributes: Record<string, string> };
    };
    expect(output).toMatchObject({ wouldAlert: true, status: 'alert', enriched: false });
    expect(output.alert.attributes.category).toBe('essential-container-exited');
    expect(stdout()).not.toContain('hunter2-Planted-Pa55word');
  });

  it('explains why an expected stop would not alert, and honours ALERT_INCLUDE_EXPECTED', async () => {
    // Prepare
    const quiet = io(fixture('scaling-activity'));
    const loud = io(fixture('scaling-activity'), { ALERT_INCLUDE_EXPECTED: 'true' });

    // Act
    await alertsCommand(['explain'], quiet.streams);
    await alertsCommand(['explain'], loud.streams);

    // Assess
    expect(quiet.stdout()).toMatch(/^Would not alert: scaling-activity is an expected stop/);
    expect(loud.stdout()).toMatch(/^Would alert/);
  });

  it.each([
    ['malformed JSON', '{"detail": ', /stdin is not valid JSON/],
    ['empty input', '  \n', /no input/],
    ['a JSON value that is not a task event', '{}', /not an ECS Task State Change event .*detail/],
  ])('exits 2 with a clear message on %s', async (_label, input, message) => {
    // Prepare
    const { streams, stderr, stdout } = io(input);

    // Act
    const code = await alertsCommand(['explain'], streams);

    // Assess
    expect(code).toBe(2);
    expect(stderr()).toMatch(message);
    expect(stdout()).toBe('');
  });

  it('exits 2 on an unknown subcommand or option, or a bad ALERT_ variable', async () => {
    // Act
    const codes = [
      await alertsCommand(['explian'], io('').streams),
      await alertsCommand(['explain', '--yaml'], io('{}').streams),
      await alertsCommand(['explain'], io(fixture('out-of-memory'), { ALERT_DIGEST_THRESHOLD: 'x' }).streams),
    ];

    // Assess
    expect(codes).toEqual([2, 2, 2]);
  });
});
