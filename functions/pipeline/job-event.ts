/**
 * The CodePipeline job event (Lambda invoke action) and the action's UserParameters, read
 * leniently: CodePipeline adds fields over time, and only what this job needs is checked, each
 * failure naming the field. The event carries temporary credentials (`data.artifactCredentials`):
 * nothing here puts a value of the event in a message, only field paths and expectations.
 */
import { z } from 'zod';
import { InvalidInputError } from '../../shared/domain/errors';
import { parseInput } from '../../shared/domain/validation';
import type { ArtifactCredentials, ArtifactLocation } from '../../shared/ports/artifacts';

/** One input artifact of the action: where it is, or why its location cannot be used. */
export interface InputArtifact {
  name: string;
  /** `data.inputArtifacts[i]`, for messages. */
  field: string;
  location?: ArtifactLocation;
  /** Set when the location is missing or malformed: it only matters if the artifact is read. */
  problem?: string;
}

export interface PipelineJob {
  id: string;
  userParameters?: string;
  inputArtifacts: InputArtifact[];
  /** Secret: never logged, only handed to the artifact reader. */
  credentials?: ArtifactCredentials;
  /** Present when CodePipeline invokes the job again after a result with a continuation token. */
  continuationToken?: string;
}

export type ParsedJobEvent =
  | { ok: true; job: PipelineJob }
  /** `jobId` when the event has one: the failure can then be reported to the pipeline. */
  | { ok: false; jobId?: string; message: string };

const JOB_KEY = 'CodePipeline.job';

const JobIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,128}$/, 'expected a CodePipeline job id (letters, digits and -)');

const JobSchema = z
  .object({
    id: JobIdSchema,
    data: z
      .object({
        actionConfiguration: z
          .object({
            configuration: z
              .object({ UserParameters: z.string().max(65_536).optional() })
              .loose()
              .optional(),
          })
          .loose()
          .optional(),
        inputArtifacts: z.array(z.unknown()).max(20).optional(),
        artifactCredentials: z.unknown().optional(),
        continuationToken: z.string().min(1).max(2048).optional(),
      })
      .loose(),
  })
  .loose();

const InputArtifactSchema = z
  .object({
    name: z.string().min(1),
    location: z
      .object({
        type: z.string().optional(),
        s3Location: z.object({ bucketName: z.string().min(1), objectKey: z.string().min(1) }).loose(),
      })
      .loose(),
  })
  .loose();

const CredentialsSchema = z
  .object({
    accessKeyId: z.string().min(1),
    secretAccessKey: z.string().min(1),
    sessionToken: z.string().min(1),
  })
  .loose();

/** Parses the event; a failure names the field, never a value. */
export function parseJobEvent(event: unknown): ParsedJobEvent {
  const envelope =
    event && typeof event === 'object' ? (event as Record<string, unknown>)[JOB_KEY] : undefined;
  const rawId = envelope && typeof envelope === 'object' ? (envelope as { id?: unknown }).id : undefined;
  const jobId = JobIdSchema.safeParse(rawId).success ? (rawId as string) : undefined;
  let job: z.output<typeof JobSchema>;
  try {
    job = parseInput(JobSchema, envelope, JOB_KEY);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    return { ok: false, ...(jobId ? { jobId } : {}), message: `malformed job event: ${error.message}` };
  }
  const inputArtifacts = (job.data.inputArtifacts ?? []).map((raw, i): InputArtifact => {
    const field = `data.inputArtifacts[${i}]`;
    const parsed = InputArtifactSchema.safeParse(raw);
    if (parsed.success) {
      const { bucketName, objectKey } = parsed.data.location.s3Location;
      return { name: parsed.data.name, field, location: { bucket: bucketName, key: objectKey } };
    }
    const name = (raw as { name?: unknown } | null)?.name;
    return {
      name: typeof name === 'string' ? name : `#${i + 1}`,
      field,
      problem: `${field}.location.s3Location: expected {bucketName, objectKey}`,
    };
  });
  const credentials = CredentialsSchema.safeParse(job.data.artifactCredentials);
  return {
    ok: true,
    job: {
      id: job.id,
      ...(job.data.actionConfiguration?.configuration?.UserParameters !== undefined
        ? { userParameters: job.data.actionConfiguration.configuration.UserParameters }
        : {}),
      inputArtifacts,
      ...(credentials.success
        ? {
            credentials: {
              accessKeyId: credentials.data.accessKeyId,
              secretAccessKey: credentials.data.secretAccessKey,
              sessionToken: credentials.data.sessionToken,
            },
          }
        : {}),
      ...(job.data.continuationToken ? { continuationToken: job.data.continuationToken } : {}),
    },
  };
}

// ---- UserParameters ----------------------------------------------------------------------------

/** `greenlight.json` (in the default artifact) or `BuildOutput::deploy/greenlight.json`, CodePipeline's own notation. */
const FileRefSchema = z
  .string()
  .min(1)
  .max(1024)
  .refine((ref) => {
    const path = ref.includes('::') ? ref.slice(ref.indexOf('::') + 2) : ref;
    return path !== '' && !path.startsWith('/') && !path.split(/[/\\]/).includes('..');
  }, 'expected a relative path inside the artifact, optionally prefixed with "ArtifactName::"');

export const UserParametersSchema = z
  .object({
    /** The deployment spec inline. */
    spec: z.record(z.string(), z.unknown()).optional(),
    /** The deployment spec as a JSON file of an input artifact. */
    specFile: FileRefSchema.optional(),
    /** The image to deploy. */
    image: z.string().min(1).max(1024).optional(),
    /** imagedefinitions.json (`[{name, imageUri}]`) or imageDetail.json (`{ImageURI}`) of an input artifact. */
    imageDefinitions: FileRefSchema.optional(),
    /** The input artifact files are read from when their reference names none (default: the first). */
    artifact: z.string().min(1).max(100).optional(),
    /** Start even though some of the spec's alarms are in ALARM. */
    force: z.boolean().optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    const oneOf = (a: 'spec' | 'image', b: 'specFile' | 'imageDefinitions', what: string) => {
      if (p[a] === undefined && p[b] === undefined)
        ctx.addIssue({ code: 'custom', path: [b], message: `required (or ${a}): ${what}` });
      if (p[a] !== undefined && p[b] !== undefined)
        ctx.addIssue({ code: 'custom', path: [b], message: `give ${a} or ${b}, not both` });
    };
    oneOf('spec', 'specFile', 'the deployment spec file in an input artifact');
    oneOf(
      'image',
      'imageDefinitions',
      'the imagedefinitions.json or imageDetail.json file in an input artifact',
    );
  });
export type UserParameters = z.output<typeof UserParametersSchema>;

export const USER_PARAMETERS_EXAMPLE =
  '{"specFile": "greenlight.json", "imageDefinitions": "BuildOutput::imagedefinitions.json"}';

/**
 * Parses the action's UserParameters (a JSON string); an InvalidInputError names each bad field.
 * CodePipeline caps a configuration value at 1000 characters: an inline `spec` fits only when
 * small, so `specFile` is the usual form.
 */
export function parseUserParameters(text: string | undefined): UserParameters {
  if (text === undefined || text.trim() === '') {
    throw new InvalidInputError(`UserParameters: required, a JSON object such as ${USER_PARAMETERS_EXAMPLE}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(
      `UserParameters: not valid JSON (${error instanceof Error ? error.message : String(error)}); expected an object such as ${USER_PARAMETERS_EXAMPLE}`,
    );
  }
  return parseInput(UserParametersSchema, value, 'UserParameters');
}

export interface FileRef {
  /** The artifact named in the reference, if any. */
  artifact?: string;
  path: string;
  /** `UserParameters.specFile`, for messages. */
  field: string;
  /** The reference as written. */
  ref: string;
}

/** Splits `Artifact::path` (or a bare path) for the UserParameters field `field`. */
export function fileRef(ref: string, field: string): FileRef {
  const separator = ref.indexOf('::');
  const path = (separator >= 0 ? ref.slice(separator + 2) : ref).replace(/^(\.\/)+/, '');
  return { ...(separator > 0 ? { artifact: ref.slice(0, separator) } : {}), path, field, ref };
}
