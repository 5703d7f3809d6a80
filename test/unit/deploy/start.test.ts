import { canonicalJson, deploymentIdFor, startDeployment } from '../../../functions/deploy/start';
import { IdempotencyConflictError, InvalidInputError } from '../../../shared/domain/errors';
import { LocalExecutions } from '../../../shared/local/sfn/local-executions';
import { ManualClock, silentLogger } from '../../support/memory-ports';
import { specFor } from '../../fixtures/spec';

const request = () => ({ image: 'registry/web:2', spec: specFor() });

function world() {
  const runs: { id: string; input: unknown }[] = [];
  let finish: (ok: boolean) => void = () => undefined;
  const executions = new LocalExecutions((id, input) => {
    runs.push({ id, input });
    return new Promise<boolean>((resolve) => (finish = resolve));
  });
  const deps = {
    executions,
    clock: new ManualClock(Date.UTC(2026, 10, 25, 12, 0, 0)),
    logger: silentLogger(),
  };
  return { deps, runs, executions, finish: (ok: boolean) => finish(ok) };
}

describe('startDeployment', () => {
  it('starts one execution named after the deployment, with the request as input', async () => {
    const { deps, runs } = world();

    const started = await startDeployment(deps, request(), { idempotencyKey: 'k-1', requestedBy: 'alice' });

    expect(started).toEqual({ deploymentId: deploymentIdFor('web', 'k-1', 0), outcome: 'started' });
    expect(runs).toEqual([
      {
        id: started.deploymentId,
        input: { ...request(), deploymentId: started.deploymentId, requestedBy: 'alice' },
      },
    ]);
  });

  it('returns the same deployment for a retry with the same key, running or ended, and never starts a second', async () => {
    const { deps, runs, executions, finish } = world();
    const first = await startDeployment(deps, request(), { idempotencyKey: 'job-42' });
    // Same content, keys in another order: still the same request.
    const { spec, image } = request();
    const retry = await startDeployment(deps, { spec, image }, { idempotencyKey: 'job-42' });
    finish(true);
    await executions.settled(first.deploymentId);
    const late = await startDeployment(deps, request(), { idempotencyKey: 'job-42' });

    expect(retry.deploymentId).toBe(first.deploymentId);
    expect(late).toEqual({ deploymentId: first.deploymentId, outcome: 'existing' });
    expect(runs).toHaveLength(1);
  });

  it('refuses a reused key with a different request, naming the key and the deployment', async () => {
    const { deps, runs } = world();
    const first = await startDeployment(deps, request(), { idempotencyKey: 'k-2' });

    const other = startDeployment(deps, { ...request(), image: 'registry/web:3' }, { idempotencyKey: 'k-2' });

    await expect(other).rejects.toThrow(IdempotencyConflictError);
    await expect(other).rejects.toThrow(
      `idempotency key "k-2" already started deployment ${first.deploymentId}`,
    );
    expect(runs).toHaveLength(1);
  });

  it('gives requests without a key distinct ids', async () => {
    const { deps, runs } = world();
    const a = await startDeployment(deps, request());
    const b = await startDeployment(deps, request());

    expect(a.deploymentId).not.toBe(b.deploymentId);
    expect(a.deploymentId).toMatch(/^web-20261125120000-[0-9a-f]{8}$/);
    expect(runs).toHaveLength(2);
  });

  it('rejects bad input before starting anything, naming the fields', async () => {
    const { deps, runs } = world();

    await expect(startDeployment(deps, { image: 'a b', spec: specFor() })).rejects.toThrow(
      'image: expected an image reference without spaces',
    );
    await expect(startDeployment(deps, request(), { idempotencyKey: 'has space' })).rejects.toThrow(
      InvalidInputError,
    );
    await expect(startDeployment(deps, 'not an object')).rejects.toThrow(InvalidInputError);
    expect(runs).toHaveLength(0);
  });
});

describe('deploymentIdFor', () => {
  it('keeps within the execution-name rules for any service name and key', () => {
    const id = deploymentIdFor('a'.repeat(128), 'x'.repeat(256), 0);
    expect(id).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    expect(deploymentIdFor('web.api', 'k', 0)).toMatch(/^web-api-[A-Za-z0-9_-]{24}$/);
  });
});

describe('canonicalJson', () => {
  it('sorts object keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
  });
});
