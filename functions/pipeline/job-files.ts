/**
 * Files of pipeline artifacts: CodePipeline stores each artifact as a zip archive. Only the files
 * asked for are inflated, each up to a size bound, so a large source artifact costs its download
 * and nothing more. Errors are InvalidInputErrors naming the UserParameters field and the file.
 */
import { unzipSync } from 'fflate';
import { z } from 'zod';
import { InvalidInputError } from '../../shared/domain/errors';

/** Names shown when a file is missing, so a wrong path is easy to spot. */
const LISTED_NAMES = 10;

/**
 * The bytes of `path` in the zip archive `zip`, or throws naming `where` when the archive is not a
 * zip, the file is absent, or it inflates to more than `maxFileBytes`.
 */
export function extractFile(zip: Uint8Array, path: string, maxFileBytes: number, where: string): Uint8Array {
  const names: string[] = [];
  let tooLarge: number | undefined;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip, {
      filter: (file) => {
        const name = file.name.replace(/^(\.\/)+/, '');
        if (!name.endsWith('/')) names.push(name);
        if (name !== path) return false;
        // The central directory's size, checked before anything is inflated.
        if (file.originalSize > maxFileBytes) {
          tooLarge = file.originalSize;
          return false;
        }
        return true;
      },
    });
  } catch (error) {
    throw new InvalidInputError(
      `${where}: the artifact is not a readable zip archive (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  if (tooLarge !== undefined) {
    throw new InvalidInputError(
      `${where}: "${path}" is ${tooLarge} bytes; at most ${maxFileBytes} bytes are read from a file`,
    );
  }
  const found = Object.entries(files).find(([name]) => name.replace(/^(\.\/)+/, '') === path);
  if (!found) {
    const shown = names.slice(0, LISTED_NAMES).join(', ');
    const more = names.length > LISTED_NAMES ? `, and ${names.length - LISTED_NAMES} more` : '';
    throw new InvalidInputError(
      `${where}: no file "${path}" in the artifact (it holds ${names.length === 0 ? 'no files' : `${shown}${more}`})`,
    );
  }
  return found[1];
}

/** The file's JSON, or throws naming `where`. */
export function parseJsonFile(bytes: Uint8Array, where: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new InvalidInputError(
      `${where}: not valid UTF-8 JSON (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}

/** ECS's standard deploy input, as CodeBuild writes it for the ECS deploy action. */
const ImageDefinitionsSchema = z.array(z.object({ name: z.string(), imageUri: z.string().min(1) }).loose());
/** The ECR source action's output artifact. */
const ImageDetailSchema = z.object({ ImageURI: z.string().min(1) }).loose();

/**
 * The image for `containerName` in an imagedefinitions.json (`[{name, imageUri}]`) or, whatever
 * the container, the image of an imageDetail.json (`{ImageURI}`).
 */
export function imageFromDefinitions(content: unknown, containerName: string, where: string): string {
  const definitions = ImageDefinitionsSchema.safeParse(content);
  if (definitions.success) {
    const entry = definitions.data.find((d) => d.name === containerName);
    if (!entry) {
      const names = definitions.data.map((d) => `"${d.name}"`).join(', ');
      throw new InvalidInputError(
        `${where}: no entry named "${containerName}" (the spec's container.name); it has ${names || 'no entries'}`,
      );
    }
    return entry.imageUri;
  }
  const detail = ImageDetailSchema.safeParse(content);
  if (detail.success) return detail.data.ImageURI;
  throw new InvalidInputError(
    `${where}: expected imagedefinitions.json ([{"name": "...", "imageUri": "..."}]) or imageDetail.json ({"ImageURI": "..."})`,
  );
}
