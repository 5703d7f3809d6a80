/**
 * The demo job of the local rehearsal: a one-off task container whose behaviour comes from its
 * command (`job` or `log-sidecar`, Docker's CMD after the image's entry point) and environment.
 *
 * job:          prints JOB_LINES lines over JOB_SECONDS seconds, then exits with JOB_EXIT_CODE
 *               (default 0). SIGTERM ends it at once with 143, as a signal would (JOB_ON_SIGTERM=ignore
 *               keeps it running until SIGKILL: 137).
 * log-sidecar:  prints a line every LOG_INTERVAL_SECONDS and runs until killed; it ignores SIGTERM,
 *               like a log router still flushing, so stopping its task ends it with SIGKILL (137).
 *
 * Durations are seconds of schedule time: with GREENLIGHT_TIME_SCALE=N (the local scheduler's
 * compression) the process sleeps N times less wall time.
 */

const env = process.env;

function number(name: string, fallback: number, { min = 0, max = Infinity } = {}): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    process.stderr.write(`${name}: expected a number from ${min} to ${max}, got "${raw}"\n`);
    process.exit(2);
  }
  return value;
}

const scale = number('GREENLIGHT_TIME_SCALE', 1, { min: 1, max: 1000 });
const wallMs = (seconds: number) => (seconds * 1000) / scale;
const mode = process.argv[2] ?? 'job';
const name = env.JOB_NAME ?? mode;
const say = (line: string) => process.stdout.write(`${new Date().toISOString()} ${name}: ${line}\n`);

// The runner keeps an IPC channel open: if it dies abruptly, the container must not linger.
if (process.send) process.on('disconnect', () => process.exit(137));

if (mode === 'log-sidecar') {
  let forwarded = 0;
  process.on('SIGTERM', () => say('SIGTERM received; still flushing (ignored until SIGKILL)'));
  say('log router started');
  setInterval(
    () => say(`forwarded ${++forwarded} batches`),
    wallMs(number('LOG_INTERVAL_SECONDS', 5, { min: 0.1 })),
  );
} else if (mode === 'job') {
  const seconds = number('JOB_SECONDS', 10);
  const lines = Math.max(1, Math.round(number('JOB_LINES', 3, { min: 1, max: 10_000 })));
  const exitCode = Math.round(number('JOB_EXIT_CODE', 0, { min: 0, max: 255 }));
  if (env.JOB_ON_SIGTERM === 'ignore') {
    process.on('SIGTERM', () => say('SIGTERM received; ignored'));
  } else {
    process.on('SIGTERM', () => {
      say('SIGTERM received; stopping');
      // What a process killed by SIGTERM reports: 128 + 15.
      process.exit(143);
    });
  }
  say(`started: ${seconds} s of work, ${lines} lines, then exit ${exitCode}`);
  let printed = 0;
  const timer = setInterval(
    () => {
      printed += 1;
      say(`step ${printed} of ${lines}`);
      if (printed >= lines) {
        clearInterval(timer);
        say(`done: exit ${exitCode}`);
        process.exit(exitCode);
      }
    },
    wallMs(seconds / lines),
  );
} else {
  process.stderr.write(`command: expected "job" or "log-sidecar", got "${mode}"\n`);
  process.exit(2);
}
