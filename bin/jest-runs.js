#!/usr/bin/env node
/**
 * Every jest suite in two runs at once: the end-to-end suites one after another in their own
 * process (they drive real processes on real clocks, and mostly wait), and all other suites in a
 * second process beside them (they mostly compute). The e2e suites keep a core's worth of room
 * for their timing; the wall time is about the longer run's instead of the sum of both.
 *
 *   node bin/jest-runs.js                 both runs at once (what `npm test` runs)
 *   GREENLIGHT_JEST_SERIAL=1 node bin/jest-runs.js
 *                                         the same two runs one after the other (a loaded machine)
 *   node bin/jest-runs.js <jest args...>  one plain jest run with those arguments
 *
 * Each run's full output is printed when it ends, with its own "Tests:" line; a line per suite
 * is printed as it finishes. The exit status is non-zero when any run fails.
 */
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');
const { Buffer } = require('node:buffer');

const ROOT = path.resolve(__dirname, '..');
const JEST = path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');

function run(name, args) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [JEST, ...args], {
      cwd: ROOT,
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks = [];
    let partial = '';
    const collect = (chunk) => {
      chunks.push(chunk);
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop();
      for (const line of lines) if (/^(PASS|FAIL) /.test(line)) process.stdout.write(`[${name}] ${line}\n`);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('close', (code, signal) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(0);
      process.stdout.write(`\n===== jest run "${name}" (${seconds} s, exit ${code ?? signal}) =====\n`);
      process.stdout.write(Buffer.concat(chunks));
      resolve(code === 0);
    });
  });
}

async function main() {
  const extra = process.argv.slice(2);
  if (extra.length > 0) return (await run('jest', extra)) ? 0 : 1;
  const runs = [
    ['e2e', ['--runInBand', 'test/e2e/']],
    ['unit+integration', ['--maxWorkers=1', '--testPathIgnorePatterns', '/test/e2e/']],
  ];
  let results;
  if (process.env.GREENLIGHT_JEST_SERIAL === '1') {
    results = [];
    for (const [name, args] of runs) results.push(await run(name, args));
  } else {
    results = await Promise.all(runs.map(([name, args]) => run(name, args)));
  }
  return results.every(Boolean) ? 0 : 1;
}

main().then((code) => process.exit(code));
