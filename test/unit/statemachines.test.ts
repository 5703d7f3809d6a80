import { readdirSync } from 'node:fs';
import aslValidator from 'asl-validator';
import { loadStateMachine, STATE_MACHINES_DIR } from '../../shared/local/sfn/engine';

const files = readdirSync(STATE_MACHINES_DIR).filter((f) => f.endsWith('.asl.json'));

describe('state machine files', () => {
  it('exist', () => {
    expect(files).toContain('blue-green.asl.json');
  });

  it.each(files)('%s passes asl-validator once its function ARNs are resolved', (file) => {
    const { definition } = loadStateMachine(file);
    const result = aslValidator(definition, { checkPaths: true, checkArn: true });
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it.each(files)(
    '%s gives every state a Comment and every Task a timeout and a catch-all or an end',
    (file) => {
      const { definition } = loadStateMachine(file);
      for (const [name, state] of Object.entries(definition.States)) {
        expect({ name, comment: typeof state.Comment }).toEqual({ name, comment: 'string' });
        if (state.Type === 'Task') {
          expect({ name, timeout: typeof state.TimeoutSeconds }).toEqual({ name, timeout: 'number' });
          const catches = (state.Catch ?? []) as { ErrorEquals: string[] }[];
          expect({ name, catchAll: catches.some((c) => c.ErrorEquals.includes('States.ALL')) }).toEqual({
            name,
            catchAll: true,
          });
        }
      }
    },
  );
});
