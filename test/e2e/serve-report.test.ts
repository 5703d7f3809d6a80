/**
 * `greenlight serve` writes each deployment's report when it ends: the served rehearsal, a real
 * deployment through its local API, and the HTML file under the work directory.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deploymentsCommand } from '../../bin/deployments';
import { serveCommand } from '../../bin/serve';
import { waitFor } from '../fixtures/local-infra';

describe('greenlight serve', () => {
  it("writes .greenlight/reports/<id>.html when a deployment ends, and prints the report's path", async () => {
    // Prepare
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'greenlight-serve-report-'));
    let out = '';
    let err = '';
    let stop!: () => void;
    const served = serveCommand(['--port', '0', '--rate', '50', '--work-dir', workDir], {
      stdout: { write: (chunk: string) => (out += chunk) },
      stderr: { write: (chunk: string) => (err += chunk) },
      stopSignal: new Promise<void>((resolve) => (stop = resolve)),
    });
    try {
      await waitFor('serve to print its API', async () => out.includes('Ctrl-C stops everything.'), 60_000);
      const url = /local API \(simulated API Gateway, unsigned\): (\S+)/.exec(out)?.[1] ?? '';
      let deployOut = '';
      const code = await deploymentsCommand(
        'deploy',
        [
          ...['--spec', path.join(workDir, 'web.local.json'), '--image', 'greenlight/demo-app:v3-faulty'],
          ...['--json', '--api', url],
        ],
        { stdout: { write: (c: string) => (deployOut += c) }, stderr: { write: () => true }, env: {} },
      );
      const id = (JSON.parse(deployOut) as { deploymentId: string }).deploymentId;
      const file = path.join(workDir, 'reports', `${id}.html`);

      // Act: the faulty release rolls back on its own; serve writes the report after it ends.
      await waitFor(
        `the report of ${id}`,
        async () => out.includes(`report: ${path.relative(process.cwd(), file)}\n`),
        90_000,
      );

      // Assess
      expect(code).toBe(0);
      expect(out).toContain(`deployment ${id} ended: ROLLED_BACK\n`);
      expect(existsSync(file)).toBe(true);
      const html = readFileSync(file, 'utf8');
      expect(html.startsWith('<!doctype html>')).toBe(true);
      expect(html).toContain(`<title>web ROLLED_BACK — ${id}</title>`);
      expect(html).toMatch(/<svg[^>]*>[\s\S]*<\/svg>/);
      expect(err).toBe('');
    } finally {
      stop();
      await served;
    }
  }, 180_000);
});
