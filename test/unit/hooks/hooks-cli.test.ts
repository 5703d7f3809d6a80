import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { hooksCommand } from '../../../bin/hooks';
import { ecsHookEvent, rollbackEvent } from '../../fixtures/ecs-hook-events';

const ROOT = path.resolve(__dirname, '../../..');

async function run(args: string[], input: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await hooksCommand(args, {
    readInput: async () => input,
    stdout: { write: (chunk: string) => out.push(chunk) },
    stderr: { write: (chunk: string) => err.push(chunk) },
  });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const CODEDEPLOY = JSON.stringify({ DeploymentId: 'd-EXAMPLE12', LifecycleEventHookExecutionId: 'abc' });

describe('greenlight hooks explain', () => {
  it('prints what the ECS hook reads, exit 0', async () => {
    const { code, stdout } = await run(['explain'], JSON.stringify(ecsHookEvent('POST_SCALE_UP')));
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        'kind: ecs',
        'stage: POST_SCALE_UP',
        'service: arn:aws:ecs:eu-west-1:123456789012:service/prod/web',
        'deployment: arn:aws:ecs:eu-west-1:123456789012:service-deployment/prod/web/hVc1KiZn4rK5AX4nVN5Dm',
        'rollback: false',
        '',
      ].join('\n'),
    );
  });

  it('prints exactly the fields as one JSON object with --json', async () => {
    const { code, stdout } = await run(
      ['explain', '--json'],
      JSON.stringify(rollbackEvent('TEST_TRAFFIC_SHIFT')),
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      kind: 'ecs',
      stage: 'TEST_TRAFFIC_SHIFT',
      service: 'arn:aws:ecs:eu-west-1:123456789012:service/prod/web',
      deployment: 'arn:aws:ecs:eu-west-1:123456789012:service-deployment/prod/web/hVc1KiZn4rK5AX4nVN5Dm',
      rollback: true,
    });
  });

  it('reads a CodeDeploy event, with --stage naming its hook', async () => {
    const { code, stdout } = await run(['explain', '--json', '--stage', 'BeforeAllowTraffic'], CODEDEPLOY);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      kind: 'codedeploy',
      stage: 'BeforeAllowTraffic',
      service: null,
      deployment: 'd-EXAMPLE12',
      rollback: false,
    });
    expect((await run(['explain'], CODEDEPLOY)).stdout).toContain(
      'stage: unknown (not in the event; --stage names it)',
    );
  });

  it.each([
    [
      'malformed ECS event',
      JSON.stringify({ ...ecsHookEvent('PRE_SCALE_UP'), lifecycleStage: 'NOPE' }),
      'ecs',
      'lifecycleStage: expected one of',
    ],
    ['malformed CodeDeploy event', '{"DeploymentId": "d-X"}', 'codedeploy', 'LifecycleEventHookExecutionId:'],
    ['not JSON', '{', null, 'not valid JSON'],
    ['no input', '', null, 'no input'],
  ])('exits 2 with wouldFail and the reason on a %s', async (_label, input, kind, reason) => {
    const { code, stdout } = await run(['explain', '--json'], input);
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toEqual({ kind, wouldFail: true, reason: expect.stringContaining(reason) });
    const text = await run(['explain'], input);
    expect(text.code).toBe(2);
    expect(text.stdout).toContain('wouldFail: true (the hook would answer FAILED)');
  });

  it('explains the examples/hooks events as the README shows them', async () => {
    const example = (name: string) => readFileSync(path.join(ROOT, 'examples/hooks', name), 'utf8');
    const ecs = await run(['explain', '--json'], example('ecs-production-step.json'));
    expect(ecs.code).toBe(0);
    expect(JSON.parse(ecs.stdout)).toEqual({
      kind: 'ecs',
      stage: 'PRODUCTION_TRAFFIC_SHIFT',
      service: 'arn:aws:ecs:eu-west-1:123456789012:service/prod/gl-web',
      deployment: 'arn:aws:ecs:eu-west-1:123456789012:service-deployment/prod/gl-web/TFX5sH9q9XDboDTOv0rIt',
      rollback: false,
    });
    const codeDeploy = await run(
      ['explain', '--json', '--stage', 'AfterAllowTestTraffic'],
      example('codedeploy-after-allow-test-traffic.json'),
    );
    expect(codeDeploy.code).toBe(0);
    expect(JSON.parse(codeDeploy.stdout)).toMatchObject({ kind: 'codedeploy', deployment: 'd-EXAMPLE12' });
  });

  it('exits 2 on an unknown subcommand or option', async () => {
    expect((await run(['explian'], CODEDEPLOY)).code).toBe(2);
    expect((await run(['explain', '--yaml'], CODEDEPLOY)).code).toBe(2);
  });

  it('runs through the real CLI process with its exit codes', async () => {
    const cli = path.join(ROOT, 'bin/greenlight.js');
    const runCli = (input: string) =>
      new Promise<{ code: number; stdout: string }>((resolve) => {
        const child = execFile(process.execPath, [cli, 'hooks', 'explain', '--json'], (error, stdout) =>
          resolve({ code: error ? Number((error as { code?: number }).code) : 0, stdout }),
        );
        child.stdin?.end(input);
      });
    const ok = await runCli(JSON.stringify(ecsHookEvent('PRE_SCALE_UP')));
    const bad = await runCli('{"DeploymentId": 1}');
    expect(ok).toMatchObject({ code: 0 });
    expect(JSON.parse(ok.stdout)).toMatchObject({ kind: 'ecs', stage: 'PRE_SCALE_UP' });
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({ kind: 'codedeploy', wouldFail: true });
  }, 30_000);
});
