import { z } from 'zod';
import { GreenlightError, InvalidInputError } from '../../../shared/domain/errors';
import { parseInput } from '../../../shared/domain/validation';

const Schema = z
  .object({
    name: z.string().min(1),
    ports: z.array(z.number().int()),
    nested: z.object({ items: z.array(z.object({ weight: z.number().max(10) })) }),
    grid: z.array(z.array(z.number())).optional(),
    label: z.string().default('none'),
  })
  .strict();

const valid = () => ({ name: 'web', ports: [80], nested: { items: [{ weight: 1 }] } });

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('parseInput', () => {
  it('returns the parsed output, defaults and all', () => {
    // Act
    const result = parseInput(Schema, valid());

    // Assess
    expect(result).toEqual({ ...valid(), label: 'none' });
  });

  it('throws an InvalidInputError, a GreenlightError named for Step Functions', () => {
    // Act
    const error = thrown(() => parseInput(Schema, { ...valid(), name: '' }));

    // Assess
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toBeInstanceOf(GreenlightError);
    expect((error as Error).name).toBe('InvalidInputError');
  });

  it('lists every issue with its dotted path, in the message and in issues', () => {
    // Prepare
    const input = { name: '', ports: [80, 'x'], nested: { items: [{ weight: 1 }, { weight: 11 }] } };

    // Act
    const error = thrown(() => parseInput(Schema, input)) as InvalidInputError;

    // Assess
    expect(error.issues.map((i) => i.path)).toEqual(['name', 'ports[1]', 'nested.items[1].weight']);
    expect(error.message).toBe(error.issues.map((i) => `${i.path}: ${i.message}`).join('; '));
    expect(error.message).toMatch(/^name: .+; ports\[1\]: .+; nested\.items\[1\]\.weight: .+$/);
  });

  it('prefixes every path with the root', () => {
    // Prepare
    const input = { ...valid(), nested: { items: [{ weight: 12 }] }, grid: [[1], [2, 'x']] };

    // Act
    const error = thrown(() => parseInput(Schema, input, 'spec')) as InvalidInputError;

    // Assess
    expect(error.issues.map((i) => i.path)).toEqual(['spec.nested.items[0].weight', 'spec.grid[1][1]']);
  });

  it('names the root for an issue with the whole input', () => {
    // Act
    const error = thrown(() => parseInput(Schema, { ...valid(), extra: 1 }, 'spec')) as InvalidInputError;

    // Assess
    expect(error.issues).toEqual([{ path: 'spec', message: expect.stringContaining('"extra"') }]);
  });

  it('says (input) for an issue with the whole input when there is no root', () => {
    // Act
    const error = thrown(() => parseInput(Schema, 'not an object')) as InvalidInputError;

    // Assess
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]!.path).toBe('(input)');
    expect(error.message).toMatch(/^\(input\): /);
  });

  it('starts an array path at the root without a dot', () => {
    // Act
    const error = thrown(() => parseInput(z.array(z.string()), ['a', 1])) as InvalidInputError;

    // Assess
    expect(error.issues.map((i) => i.path)).toEqual(['[1]']);
  });
});
