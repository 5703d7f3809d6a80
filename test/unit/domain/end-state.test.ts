import fc from 'fast-check';
import {
  describeStepError,
  EndStateSchema,
  FinishInputSchema,
  OUTCOMES,
  readEndState,
} from '../../../shared/domain/end-state';
import { specFor } from '../../fixtures/spec';

const NOW = Date.UTC(2024, 5, 1, 12, 0, 0);

const deployment = {
  id: 'web-1',
  image: 'web:2',
  requestedBy: 'alice',
  liveColor: 'blue',
  newColor: 'green',
  taskDefinition: 'web:7',
  desiredCount: 2,
  startedAt: NOW - 90_000,
};

const caught = (Error: string, errorMessage: string) => ({
  Error,
  Cause: JSON.stringify({ errorType: Error, errorMessage, trace: [] }),
});

/** The end state as the workflow hands it to Finish, parsed. */
const parsed = (state: Record<string, unknown>) => EndStateSchema.parse(state);

describe('describeStepError', () => {
  it('takes the message out of the JSON cause Lambda wraps an error in', () => {
    // Act
    const error = describeStepError(caught('GateFailedError', '5xx 4 % > 1 %'));

    // Assess
    expect(error).toEqual({ error: 'GateFailedError', cause: '5xx 4 % > 1 %' });
  });

  it('joins a cause that is a JSON list, and keeps a cause that is not JSON as it is', () => {
    // Act
    const list = describeStepError({ Error: 'States.Timeout', Cause: '["a", "b"]' });
    const plain = describeStepError({ Error: 'States.Timeout', Cause: 'took too long' });

    // Assess
    expect(list).toEqual({ error: 'States.Timeout', cause: 'a; b' });
    expect(plain).toEqual({ error: 'States.Timeout', cause: 'took too long' });
  });

  it('writes a cause that is not a string as JSON, and an absent one as ""', () => {
    // Act
    const object = describeStepError({ Error: 'X', Cause: { code: 7 } });
    const absent = describeStepError({ Error: 'X' });

    // Assess
    expect(object).toEqual({ error: 'X', cause: '{"code":7}' });
    expect(absent).toEqual({ error: 'X', cause: '""' });
  });

  it('describes no error as undefined', () => {
    // Assess
    expect(describeStepError(undefined)).toBeUndefined();
  });
});

describe('readEndState', () => {
  it("reads a promoted deployment's context, spec and step", () => {
    // Prepare
    const state = parsed({
      deployment,
      spec: specFor(),
      step: { phase: 'bake', index: 3, weight: 100, holdSeconds: 60 },
    });

    // Act
    const end = readEndState('PROMOTED', state);

    // Assess
    expect(end).toEqual({
      outcome: 'PROMOTED',
      id: 'web-1',
      service: 'web',
      cluster: 'local',
      image: 'web:2',
      requestedBy: 'unknown',
      colors: { live: 'blue', new: 'green' },
      startedAt: NOW - 90_000,
      lastStep: { phase: 'bake', index: 3, weight: 100 },
    });
  });

  it('reads what it can of a rejected request: its own id and image, the names of an invalid spec', () => {
    // Prepare
    const state = parsed({
      deploymentId: 'web-2',
      image: 'web:3',
      requestedBy: 'pipeline',
      spec: { service: 'web', cluster: 'prod', plan: 'nonsense' },
      error: caught('InvalidInputError', 'spec.plan: expected an object'),
    });

    // Act
    const end = readEndState('REJECTED', state);

    // Assess
    expect(end).toEqual({
      outcome: 'REJECTED',
      id: 'web-2',
      service: 'web',
      cluster: 'prod',
      image: 'web:3',
      requestedBy: 'pipeline',
      error: { error: 'InvalidInputError', cause: 'spec.plan: expected an object' },
    });
  });

  it('leaves out what cannot be read, and names the image "unknown"', () => {
    // Prepare
    const state = parsed({
      deployment: { id: 'not a valid id!' },
      deploymentId: 42,
      spec: 'web',
      image: '',
      step: { phase: 'somewhere' },
      error: 'not a caught error',
    });

    // Act
    const end = readEndState('REJECTED', state);

    // Assess
    expect(end).toEqual({ outcome: 'REJECTED', image: 'unknown', requestedBy: 'unknown' });
  });

  it("names the rollback's own error after a failed rollback, the original error when it has none", () => {
    // Prepare
    const error = caught('GateFailedError', 'p99 latency');
    const rollbackError = caught('WeightsMismatchError', 'blue 90 %');

    // Act
    const withOwn = readEndState('ROLLBACK_FAILED', parsed({ deployment, error, rollbackError }));
    const withoutOwn = readEndState('ROLLBACK_FAILED', parsed({ deployment, error, rollbackError: null }));
    const rolledBack = readEndState('ROLLED_BACK', parsed({ deployment, error, rollbackError }));

    // Assess
    expect(withOwn.error).toEqual({ error: 'WeightsMismatchError', cause: 'blue 90 %' });
    expect(withoutOwn.error).toEqual({ error: 'GateFailedError', cause: 'p99 latency' });
    expect(rolledBack.error).toEqual({ error: 'GateFailedError', cause: 'p99 latency' });
  });

  it('lets an unreadable rollback error take the place of the original one', () => {
    // Act
    const end = readEndState(
      'ROLLBACK_FAILED',
      parsed({ deployment, error: caught('GateFailedError', 'p99'), rollbackError: { nothing: 1 } }),
    );

    // Assess
    expect(end.error).toBeUndefined();
  });

  it('turns a failed retirement into a warning', () => {
    // Act
    const end = readEndState(
      'PROMOTED',
      parsed({ deployment, retireError: caught('ServiceStateError', 'web-blue still wants 2 tasks') }),
    );

    // Assess
    expect(end.warning).toBe(
      'the old color could not be scaled down (ServiceStateError: web-blue still wants 2 tasks); scale it to 0 by hand',
    );
  });
});

describe('FinishInputSchema', () => {
  it('accepts every end state that is an object, whatever its fields hold', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...OUTCOMES),
        fc.dictionary(
          fc.constantFrom(
            'deployment',
            'deploymentId',
            'spec',
            'image',
            'step',
            'error',
            'rollbackError',
            'x',
          ),
          fc.jsonValue(),
        ),
        (outcome, state) => {
          const result = FinishInputSchema.safeParse({ outcome, state });
          expect(result.success).toBe(true);
          expect(readEndState(outcome, result.data!.state).outcome).toBe(outcome);
        },
      ),
    );
  });

  it('refuses an unknown outcome', () => {
    // Act
    const result = FinishInputSchema.safeParse({ outcome: 'FINISHED', state: {} });

    // Assess
    expect(result.success).toBe(false);
  });

  it('after a failed rollback, reports the rollback error whenever there is one', () => {
    const stepError = fc.record({ Error: fc.string(), Cause: fc.string() });
    fc.assert(
      fc.property(stepError, fc.option(stepError, { nil: undefined }), (error, rollbackError) => {
        const state = EndStateSchema.parse({ error, ...(rollbackError ? { rollbackError } : {}) });
        const end = readEndState('ROLLBACK_FAILED', state);
        expect(end.error).toEqual(describeStepError(rollbackError ?? error));
      }),
    );
  });
});
