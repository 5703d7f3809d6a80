/**
 * The report of real rehearsal deployments (a promotion and a rollback: real processes behind the
 * weighted proxy, the real state machine and handlers, dynalite), opened in headless Chromium
 * (Debian's package, driven by playwright-core; nothing downloads a browser). Screenshots go to
 * .greenlight/screenshots/.
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { writeReport } from '../../bin/report';
import type { DeploymentEvent, DeploymentRecord } from '../../shared/domain/deployment';
import type { DeploymentSpecInput } from '../../shared/domain/spec';
import { LoadGenerator } from '../../shared/local/load-generator';
import { Rehearsal } from '../../shared/local/rehearsal';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = path.resolve(__dirname, '../../.greenlight/screenshots');

const PLAN: Partial<DeploymentSpecInput> = {
  plan: { preset: 'canary', weights: [25, 50], holdSeconds: 1 },
  gate: {
    intervalSeconds: 1,
    minRequests: 10,
    maxErrorRate: 0.01,
    consecutiveFailures: 2,
    stepTimeoutSeconds: 25,
  },
  launch: { timeoutSeconds: 30, pollSeconds: 1 },
  bakeSeconds: 1,
  // The rehearsal's 1-s, lag-free data (not CloudWatch's 60-s periods published minutes later).
  metrics: { periodSeconds: 1, publishDelaySeconds: 0 },
  trafficSettleSeconds: 1,
};

interface Deployed {
  record: DeploymentRecord;
  events: DeploymentEvent[];
  file: string;
}

interface PageFindings {
  labels: string[];
  /** x (px, page) of each mark whose aria-label starts with one of the asked prefixes. */
  xOf: Record<string, number[]>;
  consoleErrors: string[];
  requests: string[];
}

describe('deployment report in a real browser (Chromium, headless)', () => {
  let rehearsal: Rehearsal;
  let load: LoadGenerator;
  let browser: BrowserContext;
  const deployed: Record<'promoted' | 'rolledBack', Deployed> = {} as never;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`);
    }
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'greenlight-report-'));
    rehearsal = await Rehearsal.start({ workDir });
    const base = await rehearsal.createService({
      service: 'web',
      image: 'greenlight/demo-app:v1',
      desiredCount: 1,
    });
    load = new LoadGenerator({ url: `${rehearsal.proxy.url}/`, ratePerSecond: 100, maxInFlight: 50 });
    load.start();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    for (const [key, image] of [
      ['promoted', 'greenlight/demo-app:v2'],
      ['rolledBack', 'greenlight/demo-app:v3-faulty'],
    ] as const) {
      const result = await rehearsal.deploy({
        deploymentId: `report-${key}`,
        image,
        spec: { ...base, ...PLAN },
        requestedBy: 'report e2e',
      });
      const { file } = await writeReport(workDir, result.record!, result.history);
      deployed[key] = { record: result.record!, events: result.history, file };
    }
    await load.stop();
    browser = await chromium.launchPersistentContext(mkdtempSync(path.join(os.tmpdir(), 'chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1100, height: 900 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await load?.stop();
    await rehearsal?.stop();
  });

  /** Opens the report, records console errors and every request but the page's own file. */
  async function open(d: Deployed, prefixes: string[]): Promise<PageFindings> {
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    const url = pathToFileURL(d.file).href;
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    page.on('request', (request) => {
      if (request.url() !== url) requests.push(request.url());
    });
    await page.goto(url, { waitUntil: 'load' });
    const marks = await page.$$eval('svg [aria-label]', (elements) =>
      elements.map((m) => {
        const box = m.getBoundingClientRect();
        return { label: m.getAttribute('aria-label') ?? '', x: box.left + box.width / 2 };
      }),
    );
    const found = {
      labels: marks.map((m) => m.label),
      xOf: Object.fromEntries(
        prefixes.map((prefix) => [prefix, marks.filter((m) => m.label.startsWith(prefix)).map((m) => m.x)]),
      ),
    };
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, `${d.record.id}.png`), fullPage: true });
    await page.close();
    return { ...found, consoleErrors, requests };
  }

  it('were a real promotion and a real rollback', () => {
    expect(deployed.promoted.record.status).toBe('PROMOTED');
    expect(deployed.rolledBack.record.status).toBe('ROLLED_BACK');
    expect(deployed.rolledBack.record.observations?.length).toBeGreaterThan(1);
  });

  it('draws both colors in the rolled-back report, and the rollback at the recorded time', async () => {
    const d = deployed.rolledBack;
    // The recorded moment: the evaluation that decided the rollback (its GATE_FAILED event follows).
    const decided = d.record.observations!.find((p) => p.decision === 'rollback')!;
    const failed = d.events.find((e) => e.type === 'GATE_FAILED')!;
    expect(failed.at - decided.at).toBeGreaterThanOrEqual(0);
    expect(failed.at - decided.at).toBeLessThan(1000);
    const t = ((decided.at - d.record.startedAt) / 1000).toFixed(2);

    const page = await open(d, ['rollback at', `verdict fail, decision rollback at +${t} s`]);

    for (const color of ['blue', 'green']) {
      expect(page.labels).toContain(`weight on ${color}`);
      expect(page.labels.filter((l) => l.startsWith(`5xx rate on ${color} at`)).length).toBeGreaterThan(0);
      expect(page.labels.filter((l) => l.startsWith(`p99 on ${color} at`)).length).toBeGreaterThan(0);
    }
    const rollback = page.labels.filter((l) => l.startsWith('rollback at'));
    expect(new Set(rollback)).toEqual(
      new Set([`rollback at +${t} s (${new Date(decided.at).toISOString()})`]),
    );
    // Drawn where the gate's rollback decision is drawn: the same moment on the same axis.
    const [decisionX] = page.xOf[`verdict fail, decision rollback at +${t} s`]!;
    expect(decisionX).toBeDefined();
    for (const x of page.xOf['rollback at']!) expect(Math.abs(x - decisionX!)).toBeLessThan(1.5);
    expect(page.consoleErrors).toEqual([]);
    expect(page.requests).toEqual([]);
  });

  it('draws both colors in the promoted report, with the promotion marked and no rollback', async () => {
    const page = await open(deployed.promoted, []);

    for (const color of ['blue', 'green']) {
      expect(page.labels).toContain(`weight on ${color}`);
      expect(page.labels.filter((l) => l.startsWith(`5xx rate on ${color} at`)).length).toBeGreaterThan(0);
    }
    expect(page.labels.some((l) => l.startsWith('promotion at'))).toBe(true);
    expect(page.labels.some((l) => l.startsWith('rollback at'))).toBe(false);
    expect(page.consoleErrors).toEqual([]);
    expect(page.requests).toEqual([]);
  });
});
