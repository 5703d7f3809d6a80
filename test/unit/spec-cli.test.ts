import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { specCommand } from '../../bin/spec';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    streams: { stdout: { write: (c: string) => out.push(c) }, stderr: { write: (c: string) => err.push(c) } },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

describe('greenlight spec validate', () => {
  it('prints the example spec with its defaults filled in and the plan expanded', async () => {
    const { streams, stdout } = io();

    const code = await specCommand(
      ['validate', path.resolve(__dirname, '../../examples/web.greenlight.json')],
      streams,
    );

    expect(code).toBe(0);
    const spec = JSON.parse(stdout());
    expect(spec.plan.steps.map((s: { weight: number }) => s.weight)).toEqual([5, 25]);
    expect(spec.gate).toMatchObject({ maxP99Ms: 800, minRequests: 20, mode: 'sequential' });
    expect(spec.alarms).toEqual(['gl-web-5xx']);
  });

  it('names every bad field and exits 2', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'greenlight-spec-'));
    const file = path.join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({ service: 'web', cluster: 'prod', container: { name: 'app', port: 70000 } }),
    );
    const { streams, stderr } = io();

    const code = await specCommand(['validate', file], streams);

    expect(code).toBe(2);
    expect(stderr()).toContain('spec.container.port:');
    expect(stderr()).toContain('spec.slots:');
    expect(stderr()).toContain('spec.traffic:');
  });

  it('refuses a file that is not JSON', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'greenlight-spec-'));
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, 'service: web');
    const { streams, stderr } = io();

    expect(await specCommand(['validate', file], streams)).toBe(2);
    expect(stderr()).toContain('not readable JSON');
  });
});
