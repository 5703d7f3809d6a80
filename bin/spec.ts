/** `greenlight spec validate FILE`: checks a deployment spec file and prints it as deployments will see it. */
import { readFile } from 'node:fs/promises';
import { InvalidInputError } from '../shared/domain/errors';
import { SpecSchema } from '../shared/domain/spec';
import { parseInput } from '../shared/domain/validation';
import type { CommandIo } from './alerts';

export const SPEC_USAGE = `usage: greenlight spec validate FILE.json
  Checks a deployment spec (README.md, "The deployment spec") and prints it with every default
  filled in and the plan expanded into steps; exit 2 with each bad field named otherwise.
`;

export async function specCommand(args: string[], io: Pick<CommandIo, 'stdout' | 'stderr'>): Promise<number> {
  const [verb, file, ...rest] = args;
  if (verb !== 'validate' || !file || rest.length > 0) {
    io.stderr.write(SPEC_USAGE);
    return 2;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    io.stderr.write(`${file}: not readable JSON: ${(error as Error).message}\n`);
    return 2;
  }
  try {
    const spec = parseInput(SpecSchema, raw, 'spec');
    io.stdout.write(`${JSON.stringify(spec, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    io.stderr.write(
      `${file}: invalid spec\n${error.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}\n`,
    );
    return 2;
  }
}
