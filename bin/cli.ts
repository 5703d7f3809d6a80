/** The greenlight command line. */
import '../shared/local/polyfills';
import { parseArgs } from 'node:util';
import { DEFAULT_DEMO_COMPRESSION, runDemo } from './demo';
import { parseCompression } from './aws-timing-flag';
import { specCommand } from './spec';
import { alertsCommand, readStdin } from './alerts';
import { DEPLOYMENT_COMMANDS, deploymentsCommand } from './deployments';
import { hooksCommand } from './hooks';
import { reportCommand } from './report';
import { serveCommand } from './serve';
import { schedulesCommand } from './schedules';
import { schedulesDemoCommand } from './schedules-demo';
import { ecsNativeDemoCommand } from './ecs-native-demo';

const USAGE = `usage: greenlight <command> [options]

commands:
  demo [--rate N] [--work-dir DIR]   run a blue/green deployment in the local rehearsal under load:
                                     a good release (promoted) and a faulty one (rolled back)
       [--aws-timing [--compress N]] on CloudWatch's timing (60-s periods published 120 s late)
                                     with an AWS-like plan, time compressed N× (default ${DEFAULT_DEMO_COMPRESSION})
       [--metrics alb|prometheus]    the gate's source: the proxy's figures (alb, default) or PromQL
                                     on a real local Prometheus scraping the fleet (/usr/bin/prometheus)
  demo schedules [--time-scale N]    scheduled tasks in the local rehearsal: success, exit 3, timeout,
                                     overlap skipped, capacity retry (simulated), log sidecar 137
  demo ecs-native [--rate N]         Greenlight (controller ecs) driving a simulated ECS built-in LINEAR
                                     deployment judged by its ECS hook: a good release (PROMOTED), a
                                     faulty one (ROLLED_BACK)
                                     [--aws-timing [--compress N]]: CloudWatch's 60-s periods, 120 s late
  alerts explain [--json] < event    print the alert an ECS task state change event would send
                                     (no AWS calls: not enriched, no dedupe)
  hooks explain [--json] < event    what Greenlight's CodeDeploy / ECS lifecycle hook reads from an
                                     event, or why it would answer FAILED (no AWS calls; exit 2 then)
  spec validate FILE.json            check a deployment spec; print it with defaults and plan steps
  schedules next EXPR [--tz ZONE]    when EventBridge Scheduler fires a cron/rate/at expression
                                     (offline; greenlight schedules --help for the other commands)
  deploy --spec FILE --image IMAGE   start a deployment through the deploy API [--idempotency-key K] [--wait]
  plan --spec FILE --image IMAGE     a dry run: what the deployment would find and do, changing nothing
  status ID [--watch] | history ID [--verbose]
                                     a deployment's record (followed live) | its events
  approve|promote|abort|pause|resume ID   manual control of a running deployment
  deployments SERVICE                the service's recent deployments
  report ID [--out FILE]             the deployment's HTML report (charts, alarms, probes, history)
                                     (these take --api URL or GREENLIGHT_API_URL, and --json;
                                     greenlight deploy --help for details)
  serve [--port N] [--rate N]        the local rehearsal behind a local deploy API (simulated API
                                     Gateway) with a demo service, for the commands above
        [--aws-timing [--compress N]] (see greenlight serve --help)
  help                               show this text
`;

async function demo(args: string[]): Promise<number> {
  if (args[0] === 'schedules') {
    return schedulesDemoCommand(args.slice(1), { stdout: process.stdout, stderr: process.stderr });
  }
  if (args[0] === 'ecs-native') {
    return ecsNativeDemoCommand(args.slice(1), { stdout: process.stdout, stderr: process.stderr });
  }
  const { values } = parseArgs({
    args,
    options: {
      rate: { type: 'string', default: '200' },
      'work-dir': { type: 'string' },
      'aws-timing': { type: 'boolean', default: false },
      compress: { type: 'string' },
      metrics: { type: 'string', default: 'alb' },
    },
    strict: true,
  });
  const metrics = values.metrics;
  if (metrics !== 'alb' && metrics !== 'prometheus') {
    process.stderr.write(`--metrics: expected alb or prometheus, got "${metrics}"\n`);
    return 2;
  }
  if (metrics === 'prometheus' && values['aws-timing']) {
    process.stderr.write('--metrics prometheus runs in real time: not with --aws-timing\n');
    return 2;
  }
  const rate = Number(values.rate);
  if (!Number.isInteger(rate) || rate < 1 || rate > 2000) {
    process.stderr.write(`--rate: expected an integer from 1 to 2000, got "${values.rate}"\n`);
    return 2;
  }
  const compress = parseCompression(values.compress, values['aws-timing'], DEFAULT_DEMO_COMPRESSION);
  if (typeof compress === 'string') {
    process.stderr.write(`${compress}\n`);
    return 2;
  }
  const report = await runDemo({
    ratePerSecond: rate,
    ...(values['work-dir'] ? { workDir: values['work-dir'] } : {}),
    ...(compress !== null ? { awsTiming: { compress } } : {}),
    metrics,
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
      case 'hooks':
        return hooksCommand(args, { readInput: readStdin, stdout: process.stdout, stderr: process.stderr });
      case 'report':
        return reportCommand(args, { stdout: process.stdout, stderr: process.stderr, env: process.env });
      case 'serve':
        return serveCommand(args, { stdout: process.stdout, stderr: process.stderr });
      case 'schedules':
        return schedulesCommand(args, {
          stdout: process.stdout,
          stderr: process.stderr,
          now: Date.now,
          env: process.env,
        });
      case undefined:
      case 'help':
      case '--help':
        process.stdout.write(USAGE);
        return 0;
      default:
        if ((DEPLOYMENT_COMMANDS as readonly string[]).includes(command)) {
          return deploymentsCommand(command, args, {
            stdout: process.stdout,
            stderr: process.stderr,
            env: process.env,
          });
        }
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
