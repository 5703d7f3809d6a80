/** `greenlight alerts explain [--json] < event.json`: the alert an ECS task state change would send. */
import { parseArgs } from 'node:util';
import { explainTaskEvent, type Explanation } from '../shared/domain/alerts/assess';
import { alertPolicyFromEnv } from '../shared/config/alerts-env';
import { InvalidInputError } from '../shared/domain/errors';

export const ALERTS_USAGE = `usage: greenlight alerts explain [--json] < event.json

  Reads one EventBridge "ECS Task State Change" event on stdin and prints the alert Greenlight would
  send for it: classification, explanation, what to check next, subject, body and SNS attributes.
  Runs without AWS: nothing is enriched (log links, running deployment) and dedupe and crash-loop
  digests are not applied. ALERT_* variables (see README) change the policy as in the function.

  --json   print the result as JSON
`;

export interface CommandIo {
  readInput(): Promise<string>;
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  env: NodeJS.ProcessEnv;
}

/** Runs `alerts <subcommand>`; returns the exit status (2 on bad input). */
export async function alertsCommand(args: string[], io: CommandIo): Promise<number> {
  const [subcommand, ...rest] = args;
  if (subcommand !== 'explain') {
    io.stderr.write(`${subcommand ? `unknown alerts command "${subcommand}"\n` : ''}${ALERTS_USAGE}`);
    return 2;
  }
  let json = false;
  try {
    json = parseArgs({ args: rest, options: { json: { type: 'boolean', default: false } }, strict: true })
      .values.json;
  } catch (error) {
    io.stderr.write(`alerts explain: ${(error as Error).message}\n${ALERTS_USAGE}`);
    return 2;
  }
  let policy;
  try {
    policy = alertPolicyFromEnv(io.env);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    io.stderr.write(`alerts explain: ${error.message}\n`);
    return 2;
  }
  const input = await io.readInput();
  if (input.trim() === '') {
    io.stderr.write(
      'alerts explain: no input: pipe one EventBridge ECS Task State Change event (JSON) on stdin\n',
    );
    return 2;
  }
  let event: unknown;
  try {
    event = JSON.parse(input);
  } catch (error) {
    io.stderr.write(`alerts explain: stdin is not valid JSON (${(error as Error).message})\n`);
    return 2;
  }
  const explanation = explainTaskEvent(event, policy);
  if (explanation.assessment.status === 'malformed') {
    io.stderr.write(`alerts explain: ${explanation.note}\n`);
    return 2;
  }
  io.stdout.write(json ? `${JSON.stringify(asJson(explanation), null, 2)}\n` : asText(explanation));
  return 0;
}

/** The result without the parsed event: its environment overrides are not redacted. */
function asJson(explanation: Explanation): Record<string, unknown> {
  const { assessment } = explanation;
  return {
    wouldAlert: explanation.alert !== null,
    status: assessment.status,
    note: explanation.note,
    ...('stop' in assessment ? { taskArn: assessment.stop.taskArn } : {}),
    ...('classification' in assessment ? { classification: assessment.classification } : {}),
    enriched: false,
    alert: explanation.alert,
  };
}

function asText(explanation: Explanation): string {
  const { assessment, alert } = explanation;
  const lines = [`${alert ? 'Would alert' : 'Would not alert'}: ${explanation.note}`];
  if ('classification' in assessment) {
    const c = assessment.classification;
    lines.push('', `Classification: ${c.category} (severity ${c.severity}${c.expected ? ', expected' : ''})`);
    if (!alert) lines.push(`What happened: ${c.explanation}`, `Check next: ${c.nextCheck}`);
  }
  if (alert) {
    lines.push(
      '',
      `Subject: ${alert.subject}`,
      '',
      alert.message,
      '',
      `Attributes: ${Object.entries(alert.attributes)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
      'Enrichment: not enriched (explain runs without AWS: no log links, no running deployment)',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Reads all of stdin; refuses a terminal, which would wait for input nobody meant to type. */
export async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
