/** The greenlight command line. */
import '../shared/local/polyfills';
import { parseArgs } from 'node:util';
import { runDemo } from '../shared/local/demo';
import { specCommand } from './spec';
import { alertsCommand, readStdin } from './alerts';

const USAGE = `usage: greenlight <command> [options]

commands:
  demo [--rate N] [--work-dir DIR]   run a blue/green deployment in the local rehearsal under load:
                                     a good release (promoted) and a faulty one (rolled back)
  alerts explain [--json] < event    print the alert an ECS task state change event would send
                                     (no AWS calls: not enriched, no dedupe)
  spec validate FILE.json            check a deployment spec; print it with defaults and plan steps
  help                               show this text
`;

async function demo(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { rate: { type: 'string', default: '200' }, 'work-dir': { type: 'string' } },
    strict: true,
  });
  const rate = Number(values.rate);
  if (!Number.isInteger(rate) || rate < 1 || rate > 2000) {
    process.stderr.write(`--rate: expected an integer from 1 to 2000, got "${values.rate}"\n`);
    return 2;
  }
  const report = await runDemo({
    ratePerSecond: rate,
    ...(values['work-dir'] ? { workDir: values['work-dir'] } : {}),
  });
  return report.passed ? 0 : 1;
}

/** Runs a command and exits with its status. */
export function main(argv: string[]): void {
  const [command, ...args] = argv;
  const run = async (): Promise<number> => {
    switch (command) {
      case 'demo':
        return demo(args);
      case 'spec':
        return specCommand(args, { stdout: process.stdout, stderr: process.stderr });
      case 'alerts':
        return alertsCommand(args, {
          readInput: readStdin,
          stdout: process.stdout,
          stderr: process.stderr,
          env: process.env,
        });
      case undefined:
      case 'help':
      case '--help':
        process.stdout.write(USAGE);
        return 0;
      default:
        process.stderr.write(`unknown command "${command}"\n${USAGE}`);
        return 2;
    }
  };
  run().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`greenlight: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
