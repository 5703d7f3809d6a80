/**
 * The local Step Functions engine: runs a state machine file from statemachines/ with
 * aws-local-stepfunctions, binding each Task state to the in-process handler of the function
 * its `Fn::GetAtt` resource names. The file is the same one serverless.yml deploys.
 */
import '../polyfills';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import type { Context } from 'aws-lambda';
import type { LambdaHandler } from '../../lambda';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type StateDefinition = Record<string, Json>;
export interface AslDefinition {
  StartAt: string;
  States: Record<string, StateDefinition>;
  [key: string]: Json;
}

export const STATE_MACHINES_DIR = path.resolve(__dirname, '../../../statemachines');
const LOCAL_ARN_PREFIX = 'arn:aws:lambda:us-east-1:000000000000:function:greenlight-local-';

/** The function key a Task resource `{"Fn::GetAtt": [key, "Arn"]}` names, or null. */
function functionKeyOf(resource: Json | undefined): string | null {
  if (resource && typeof resource === 'object' && !Array.isArray(resource)) {
    const getAtt = resource['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string' && getAtt[1] === 'Arn') return getAtt[0];
  }
  return null;
}

/**
 * Reads a state machine file and replaces its CloudFormation `Fn::GetAtt` Task resources with plain
 * Lambda ARNs (what Step Functions sees after deployment). Returns the definition and, per Task
 * state, the function key it invokes.
 */
export function loadStateMachine(file: string): {
  definition: AslDefinition;
  functionByState: Record<string, string>;
} {
  const definition = JSON.parse(
    readFileSync(path.resolve(STATE_MACHINES_DIR, file), 'utf8'),
  ) as AslDefinition;
  const functionByState: Record<string, string> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type !== 'Task') continue;
    const key = functionKeyOf(state.Resource);
    if (!key) throw new Error(`state ${name}: Resource must be {"Fn::GetAtt": [functionKey, "Arn"]}`);
    functionByState[name] = key;
    state.Resource = `${LOCAL_ARN_PREFIX}${key}`;
  }
  return { definition, functionByState };
}

export interface EngineEvent {
  type: string;
  state?: string;
  input?: unknown;
  output?: unknown;
  error?: string;
  cause?: unknown;
  at: number;
}

export interface RunOptions {
  file: string;
  handlers: Record<string, LambdaHandler<unknown, unknown>>;
  /** Replaces the handler of single Task states by state name (fault injection, manual control). */
  stateOverrides?: Record<string, (input: unknown) => Promise<unknown>>;
  input: unknown;
  /** Milliseconds to wait in each named Wait state instead of its definition. */
  waitTimeOverrides?: Record<string, number>;
  /** Milliseconds between retries of each named state instead of its Retry backoff. */
  retryIntervalOverrides?: Record<string, number>;
  onEvent?: (event: EngineEvent) => void;
  /** Called synchronously as each Task state invokes its handler (events arrive later). */
  onTask?: (state: string) => void;
  executionName?: string;
}

export interface RunResult {
  status: 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  output?: unknown;
  error?: string;
  cause?: unknown;
  /** States entered, as Step Functions counts transitions. */
  stateTransitions: number;
  events: EngineEvent[];
  durationMs: number;
}

function lambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `${LOCAL_ARN_PREFIX}${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/greenlight-local-${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

const machines = new Map<string, StateMachine>();

/** Validating a definition is costly: build each file's StateMachine once per process. */
function compiled(file: string, definition: AslDefinition): StateMachine {
  let machine = machines.get(file);
  if (!machine) {
    machine = new StateMachine(definition as never, {
      validationOptions: { checkPaths: true, checkArn: true },
    });
    machines.set(file, machine);
  }
  return machine;
}

/** Runs one execution to its end. */
export async function runStateMachine(options: RunOptions): Promise<RunResult> {
  const { definition, functionByState } = loadStateMachine(options.file);
  const taskResourceLocalHandlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const [state, key] of Object.entries(functionByState)) {
    const handler = options.handlers[key];
    if (!handler) throw new Error(`no local handler for function "${key}" (state ${state})`);
    const invoke =
      options.stateOverrides?.[state] ?? ((input: unknown) => handler(input, lambdaContext(key)));
    taskResourceLocalHandlers[state] = (input) => {
      options.onTask?.(state);
      return invoke(input);
    };
  }
  const machine = compiled(options.file, definition);
  const started = Date.now();
  const execution = machine.run(options.input as never, {
    overrides: {
      taskResourceLocalHandlers: taskResourceLocalHandlers as never,
      waitTimeOverrides: options.waitTimeOverrides ?? {},
      retryIntervalOverrides: options.retryIntervalOverrides ?? {},
    },
    context: {
      Execution: {
        Id: `arn:aws:states:us-east-1:000000000000:execution:greenlight-local:${options.executionName ?? randomUUID()}`,
        Name: options.executionName ?? randomUUID(),
        Input: options.input as never,
        StartTime: new Date(started).toISOString(),
      },
    },
    noThrowOnAbort: true,
  });
  const events: EngineEvent[] = [];
  let stateTransitions = 0;
  const collect = (async () => {
    for await (const log of execution.eventLogs) {
      const event: EngineEvent = { type: log.type, at: log.timestamp };
      if ('state' in log) {
        event.state = log.state.name;
        event.input = log.state.input;
        if (log.state.output !== undefined) event.output = log.state.output;
      }
      if ('Error' in log) {
        event.error = log.Error;
        event.cause = log.Cause;
      }
      if (log.type === 'StateEntered') stateTransitions += 1;
      events.push(event);
      options.onEvent?.(event);
    }
  })();
  try {
    const output = await execution.result;
    await collect;
    return { status: 'SUCCEEDED', output, stateTransitions, events, durationMs: Date.now() - started };
  } catch (error) {
    await collect.catch(() => undefined);
    // The engine wraps the failing state's error (e.g. a Fail state's Error/Cause) in ExecutionError.
    const failed = ((error as { cause?: unknown }).cause ?? error) as { name?: string; message?: string };
    return {
      status: 'FAILED',
      error: failed.name ?? 'Error',
      cause: failed.message,
      stateTransitions,
      events,
      durationMs: Date.now() - started,
    };
  }
}
