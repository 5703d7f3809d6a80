/** Pipeline artifacts: objects in the pipeline's artifact store, read with the job's own credentials. */
import { GreenlightError } from '../domain/errors';

/** The temporary credentials CodePipeline hands each job for its artifacts. Secret: never logged. */
export interface ArtifactCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

export interface ArtifactLocation {
  bucket: string;
  key: string;
}

/** Why an artifact could not be read: each maps to a different answer to the pipeline. */
export type ArtifactReadFailure = 'not-found' | 'access-denied' | 'too-large' | 'unavailable';

/** An artifact that could not be read; `reason` says why. Every Artifacts adapter throws it. */
export class ArtifactReadError extends GreenlightError {
  constructor(
    readonly reason: ArtifactReadFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface Artifacts {
  /**
   * The object's bytes, read with `credentials`. Throws ArtifactReadError when the object is
   * missing, refused, larger than `maxBytes`, or the read fails.
   */
  read(location: ArtifactLocation, credentials: ArtifactCredentials, maxBytes: number): Promise<Uint8Array>;
}
