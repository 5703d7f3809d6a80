/** `greenlight hooks explain [--json] [--stage NAME] < event.json`: what a hook handler reads from an event. */
import { parseArgs } from 'node:util';
import { explainHookEvent, wouldFail, type HookExplanation } from '../shared/domain/hooks/explain';
import type { CommandIo } from './alerts';

export const HOOKS_USAGE = `usage: greenlight hooks explain [--json] [--stage NAME] < event.json

  Reads one lifecycle hook event on stdin (CodeDeploy's {DeploymentId, LifecycleEventHookExecutionId}
  or an ECS built-in deployment's {executionId, lifecycleStage, executionDetails, hookDetails}) and
  prints what Greenlight's hook reads from it: kind, stage, service, deployment, rollback — or
  wouldFail and the reason the hook would answer FAILED. No AWS calls. Exit 0 when understood,
  2 when it would be answered FAILED.

  --json         print exactly those fields as one JSON object
  --stage NAME   the CodeDeploy hook (AfterAllowTestTraffic, BeforeAllowTraffic, ...): its event
                 does not name it
`;

/** Runs `hooks <subcommand>`; returns the exit status. */
export async function hooksCommand(args: string[], io: Omit<CommandIo, 'env'>): Promise<number> {
  const [subcommand, ...rest] = args;
  if (subcommand !== 'explain') {
    io.stderr.write(`${subcommand ? `unknown hooks command "${subcommand}"\n` : ''}${HOOKS_USAGE}`);
    return 2;
  }
  let values: { json: boolean; stage?: string | undefined };
  try {
    values = parseArgs({
      args: rest,
      options: { json: { type: 'boolean', default: false }, stage: { type: 'string' } },
      strict: true,
    }).values;
  } catch (error) {
    io.stderr.write(`hooks explain: ${(error as Error).message}\n${HOOKS_USAGE}`);
    return 2;
  }
  const input = await io.readInput();
  let explanation: HookExplanation;
  if (input.trim() === '') {
    explanation = { kind: null, wouldFail: true, reason: 'no input: pipe one hook event (JSON) on stdin' };
  } else {
    try {
      explanation = explainHookEvent(JSON.parse(input) as unknown, { stage: values.stage });
    } catch (error) {
      explanation = { kind: null, wouldFail: true, reason: `not valid JSON (${(error as Error).message})` };
    }
  }
  io.stdout.write(values.json ? `${JSON.stringify(explanation)}\n` : asText(explanation));
  return wouldFail(explanation) ? 2 : 0;
}

function asText(e: HookExplanation): string {
  if (wouldFail(e)) {
    return `${e.kind ? `kind: ${e.kind}\n` : ''}wouldFail: true (the hook would answer FAILED)\nreason: ${e.reason}\n`;
  }
  const unknown = (value: string | null, why: string) => value ?? `unknown (${why})`;
  return [
    `kind: ${e.kind}`,
    `stage: ${unknown(e.stage, 'not in the event; --stage names it')}`,
    `service: ${unknown(e.service, 'not in the event; the hook reads it with GetDeployment')}`,
    `deployment: ${unknown(e.deployment, 'not in the event')}`,
    `rollback: ${e.rollback}`,
    '',
  ].join('\n');
}
