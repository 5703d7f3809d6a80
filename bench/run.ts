/** `npm run bench -- NAME [options]`: runs one benchmark, prints its table and writes bench/results/NAME.json. */
import '../shared/local/polyfills';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { alerts } from './alerts';
import { bake } from './bake';
import { faults } from './faults';
import { gate } from './gate';
import { overhead } from './overhead';
import { scale } from './scale';

export interface BenchResult {
  table: string;
  data: Record<string, unknown>;
}

const BENCHMARKS: Record<string, (args: string[]) => Promise<BenchResult>> = {
  overhead,
  faults,
  scale,
  gate,
  bake,
  alerts,
  blast: (args) => (require('./blast') as typeof import('./blast')).blast(args),
  'blast-aws': (args) => (require('./blast-aws') as typeof import('./blast-aws')).blastAws(args),
  'api-calls': (args) => (require('./api-calls') as typeof import('./api-calls')).apiCalls(args),
};

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const bench = name ? BENCHMARKS[name] : undefined;
  if (!bench) {
    process.stderr.write(`usage: npm run bench -- <${Object.keys(BENCHMARKS).join('|')}> [options]\n`);
    process.exit(2);
  }
  const result = await bench(args);
  const dir = path.resolve(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ benchmark: name, at: new Date().toISOString(), node: process.version, ...result.data }, null, 2)}\n`,
  );
  process.stdout.write(`${result.table}\n\nresults: ${path.relative(process.cwd(), file)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
