import fc from 'fast-check';
import {
  clusterName,
  DeploymentIdSchema,
  DeployRequestSchema,
  lockKey,
  releasesLock,
} from '../../../shared/domain/deployment';
import { OUTCOMES } from '../../../shared/domain/end-state';
import { InvalidInputError } from '../../../shared/domain/errors';
import { parseInput } from '../../../shared/domain/validation';
import { parseSpec, specFor } from '../../fixtures/spec';

const validRequest = () => ({
  deploymentId: 'web-2024-06-01_1',
  image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2',
  spec: specFor(),
});

/** Parses `input` as a deploy request and returns the InvalidInputError it throws. */
function requestError(input: unknown): InvalidInputError {
  try {
    parseInput(DeployRequestSchema, input);
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error('expected the request to be rejected');
}

describe('DeployRequestSchema', () => {
  it('parses a valid request, defaulting requestedBy and expanding the spec', () => {
    // Prepare
    const input = validRequest();

    // Act
    const request = parseInput(DeployRequestSchema, input);

    // Assess
    expect(request).toEqual({ ...input, requestedBy: 'unknown', force: false, spec: parseSpec() });
  });

  it('keeps the given requestedBy', () => {
    // Act
    const request = parseInput(DeployRequestSchema, { ...validRequest(), requestedBy: 'pipeline/42' });

    // Assess
    expect(request.requestedBy).toBe('pipeline/42');
  });

  it.each([
    ['a space', 'web 1'],
    ['a dot', 'web.1'],
    ['81 characters', 'a'.repeat(81)],
    ['no characters', ''],
    ['a slash', 'web/1'],
  ])('rejects a deployment id with %s, naming deploymentId', (_label, deploymentId) => {
    // Act
    const error = requestError({ ...validRequest(), deploymentId });

    // Assess
    expect(error.issues).toEqual([
      { path: 'deploymentId', message: 'expected 1–80 letters, digits, - or _' },
    ]);
  });

  it('accepts a deployment id of exactly 80 characters', () => {
    // Prepare
    const deploymentId = 'A-_9'.repeat(20);

    // Act
    const result = DeploymentIdSchema.safeParse(deploymentId);

    // Assess
    expect(deploymentId).toHaveLength(80);
    expect(result.success).toBe(true);
  });

  it.each([
    ['a space', 'web: 1.4.2'],
    ['a tab', 'web:1.4.2\t'],
    ['a newline', 'web:1.4.2\nlatest'],
  ])('rejects an image with %s, naming image', (_label, image) => {
    // Act
    const error = requestError({ ...validRequest(), image });

    // Assess
    expect(error.issues).toEqual([{ path: 'image', message: 'expected an image reference without spaces' }]);
  });

  it('rejects an empty image, naming image', () => {
    // Act
    const error = requestError({ ...validRequest(), image: '' });

    // Assess
    expect(new Set(error.issues.map((i) => i.path))).toEqual(new Set(['image']));
  });

  it('rejects an image reference longer than 1024 characters', () => {
    // Act
    const error = requestError({ ...validRequest(), image: `web:${'1'.repeat(1021)}` });

    // Assess
    expect(error.issues.map((i) => i.path)).toEqual(['image']);
  });

  it('rejects unknown keys', () => {
    // Act
    const error = requestError({ ...validRequest(), tag: 'latest' });

    // Assess
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]!.path).toBe('(input)');
    expect(error.issues[0]!.message).toContain('"tag"');
  });

  it('names nested spec fields under spec', () => {
    // Prepare
    const input = validRequest();
    input.spec.container.port = 0;

    // Act
    const error = requestError(input);

    // Assess
    expect(error.issues.map((i) => i.path)).toEqual(['spec.container.port']);
  });

  it('lists every bad field of the request', () => {
    // Act
    const error = requestError({ ...validRequest(), deploymentId: 'a b', image: 'x y', requestedBy: 7 });

    // Assess
    expect(error.issues.map((i) => i.path)).toEqual(['deploymentId', 'image', 'requestedBy']);
  });
});

describe('lockKey', () => {
  it('is cluster/service', () => {
    // Act
    const key = lockKey({ cluster: 'prod', service: 'web' });

    // Assess
    expect(key).toBe('prod/web');
  });

  it("uses the spec's logical service name, not a slot's ECS service", () => {
    // Prepare
    const spec = parseSpec({ cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/prod' });

    // Act
    const key = lockKey(spec);

    // Assess
    expect(key).toBe('prod/web');
  });

  it('is the same whether the spec names the cluster or gives its ARN, so both share one lock', () => {
    expect(lockKey({ cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/prod', service: 'web' })).toBe(
      lockKey({ cluster: 'prod', service: 'web' }),
    );
    expect(lockKey({ cluster: 'arn:aws-cn:ecs:cn-north-1:123456789012:cluster/prod', service: 'web' })).toBe(
      'prod/web',
    );
    expect(clusterName('not-an-arn:cluster/x')).toBe('not-an-arn:cluster/x');
  });

  it('differs between services of one cluster and between clusters', () => {
    // Act
    const keys = new Set([
      lockKey({ cluster: 'a', service: 'web' }),
      lockKey({ cluster: 'a', service: 'api' }),
      lockKey({ cluster: 'b', service: 'web' }),
    ]);

    // Assess
    expect(keys.size).toBe(3);
  });
});

describe('releasesLock', () => {
  it('keeps the lock after a failed rollback only', () => {
    fc.assert(
      fc.property(fc.constantFrom(...OUTCOMES), (outcome) => {
        expect(releasesLock(outcome)).toBe(outcome !== 'ROLLBACK_FAILED');
      }),
    );
  });
});
