/**
 * The deploy request of a CodePipeline job: the spec and the image from UserParameters, or from
 * JSON files of the job's input artifacts (each artifact downloaded once, with the job's own
 * credentials), and the job failure type for an artifact that could not be read.
 */
import { InvalidInputError } from '../../shared/domain/errors';
import { SpecSchema } from '../../shared/domain/spec';
import { parseInput } from '../../shared/domain/validation';
import type { ArtifactReadFailure, Artifacts } from '../../shared/ports/artifacts';
import type { JobFailureType } from '../../shared/ports/pipeline-jobs';
import {
  fileRef,
  parseUserParameters,
  type FileRef,
  type PipelineJob,
  type UserParameters,
} from './job-event';
import { extractFile, imageFromDefinitions, parseJsonFile } from './job-files';

export interface ArtifactLimits {
  /** Largest artifact (zip) downloaded. */
  maxArtifactBytes: number;
  /** Largest file inflated from an artifact (the spec, the image definitions). */
  maxFileBytes: number;
}

export interface ArtifactDeps {
  artifacts: Artifacts;
}

/**
 * The deploy request (image, raw spec, force) a job asks for. Throws InvalidInputError naming the
 * field or file at fault, ArtifactReadError when an artifact cannot be downloaded.
 */
export async function deployRequestOf(
  deps: ArtifactDeps,
  job: PipelineJob,
  limits: ArtifactLimits,
): Promise<Record<string, unknown>> {
  const params = parseUserParameters(job.userParameters);
  const readJson = artifactFileReader(deps, job, params, limits);

  const specSource = params.specFile ? fileRef(params.specFile, 'UserParameters.specFile') : undefined;
  const specInput = specSource ? await readJson(specSource) : params.spec;
  let containerName: string;
  try {
    containerName = parseInput(SpecSchema, specInput, 'spec').container.name;
  } catch (error) {
    if (error instanceof InvalidInputError && specSource)
      throw new InvalidInputError(`${describeRef(specSource)}: ${error.message}`, error.issues);
    throw error;
  }

  let image = params.image;
  if (image === undefined) {
    const source = fileRef(params.imageDefinitions!, 'UserParameters.imageDefinitions');
    image = imageFromDefinitions(await readJson(source), containerName, describeRef(source));
  }
  // The raw spec, as written: startDeployment validates it again and keys idempotency on it.
  return { image, spec: specInput, ...(params.force !== undefined ? { force: params.force } : {}) };
}

/** `UserParameters.specFile (BuildOutput::greenlight.json)`. */
function describeRef(ref: FileRef): string {
  return `${ref.field} (${ref.ref})`;
}

/** Reads JSON files of the job's input artifacts, downloading each artifact once. */
function artifactFileReader(
  deps: ArtifactDeps,
  job: PipelineJob,
  params: UserParameters,
  limits: ArtifactLimits,
): (ref: FileRef) => Promise<unknown> {
  const downloads = new Map<string, Promise<Uint8Array>>();
  return async (ref) => {
    const where = describeRef(ref);
    const name = ref.artifact ?? params.artifact;
    const artifact =
      name === undefined ? job.inputArtifacts[0] : job.inputArtifacts.find((a) => a.name === name);
    if (!artifact) {
      const available = job.inputArtifacts.map((a) => `"${a.name}"`).join(', ');
      if (name === undefined)
        throw new InvalidInputError(`${where}: the action has no input artifact to read it from; add one`);
      const field = ref.artifact !== undefined ? where : 'UserParameters.artifact';
      throw new InvalidInputError(
        `${field}: no input artifact named "${name}" (the action's input artifacts: ${available || 'none'})`,
      );
    }
    if (!artifact.location) throw new InvalidInputError(artifact.problem ?? `${artifact.field}: no location`);
    if (!job.credentials)
      throw new InvalidInputError(
        'data.artifactCredentials: expected {accessKeyId, secretAccessKey, sessionToken} to read the input artifacts',
      );
    let download = downloads.get(artifact.name);
    if (!download) {
      download = deps.artifacts.read(artifact.location, job.credentials, limits.maxArtifactBytes);
      downloads.set(artifact.name, download);
    }
    const zip = await download;
    const label = `${where} in input artifact "${artifact.name}"`;
    return parseJsonFile(extractFile(zip, ref.path, limits.maxFileBytes, label), label);
  };
}

/** The answer to the pipeline for an artifact that could not be read. */
export function failureTypeOf(reason: ArtifactReadFailure): JobFailureType {
  switch (reason) {
    case 'access-denied':
      return 'PermissionError';
    case 'not-found':
      return 'RevisionUnavailable';
    case 'too-large':
      return 'ConfigurationError';
    case 'unavailable':
      return 'JobFailed';
  }
}
