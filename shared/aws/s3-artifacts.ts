/**
 * The Artifacts port on S3 (the pipeline's artifact store). Each read uses the job's own
 * temporary credentials, so this function's role needs no S3 or KMS permission at all: it can read
 * exactly the artifacts a pipeline hands it, and only while the job runs.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { traced } from '../observability/tracing';
import {
  ArtifactReadError,
  type ArtifactCredentials,
  type ArtifactLocation,
  type Artifacts,
} from '../ports/artifacts';
import { CLIENT_RETRY_CONFIG } from './clients';
import { describeError, errorCode } from './errors';

const NOT_FOUND_CODES = new Set(['NoSuchKey', 'NoSuchBucket', 'NotFound']);
const DENIED_CODES = new Set([
  'AccessDenied',
  'Forbidden',
  'InvalidAccessKeyId',
  'ExpiredToken',
  // The session token is malformed or not the one issued with the key: the credentials, not S3, are at fault.
  'InvalidToken',
  'TokenRefreshRequired',
  'SignatureDoesNotMatch',
  // KMS-encrypted artifact stores: the job's credentials could not decrypt.
  'KMS.AccessDeniedException',
  'AccessDeniedException',
]);

/** A client for one set of credentials; the region is the function's (the pipeline's artifact store). */
export type S3ClientFactory = (credentials: ArtifactCredentials) => S3Client;

export class S3Artifacts implements Artifacts {
  private readonly clientFor: S3ClientFactory;

  /** `tracer`: the container's by default; a read then shows as an S3 subsegment like every other SDK call. */
  constructor(
    options: {
      clientFor?: S3ClientFactory;
      region?: string;
      tracer?: Pick<Tracer, 'captureAWSv3Client'>;
    } = {},
  ) {
    this.clientFor =
      options.clientFor ??
      ((credentials) =>
        traced(
          new S3Client({
            ...CLIENT_RETRY_CONFIG,
            ...(options.region ? { region: options.region } : {}),
            credentials: {
              accessKeyId: credentials.accessKeyId,
              secretAccessKey: credentials.secretAccessKey,
              sessionToken: credentials.sessionToken,
            },
          }),
          options.tracer,
        ));
  }

  async read(
    location: ArtifactLocation,
    credentials: ArtifactCredentials,
    maxBytes: number,
  ): Promise<Uint8Array> {
    const where = `s3://${location.bucket}/${location.key}`;
    // One client per read, unlike the container-wide clients: credentials differ per job and expire.
    const client = this.clientFor(credentials);
    try {
      const output = await client.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
      if (output.ContentLength !== undefined && output.ContentLength > maxBytes) {
        destroy(output.Body);
        throw tooLarge(where, output.ContentLength, maxBytes);
      }
      return await readBounded(output.Body, maxBytes, where);
    } catch (error) {
      if (error instanceof ArtifactReadError) throw error;
      const code = errorCode(error);
      // Messages name the object and the error code, never the credentials.
      if (NOT_FOUND_CODES.has(code))
        throw new ArtifactReadError('not-found', `${where}: no such object (${code})`, { cause: error });
      if (DENIED_CODES.has(code))
        throw new ArtifactReadError(
          'access-denied',
          `${where}: the job's artifact credentials were refused (${code})`,
          {
            cause: error,
          },
        );
      throw new ArtifactReadError('unavailable', `${where}: read failed (${describeError(error)})`, {
        cause: error,
      });
    } finally {
      client.destroy();
    }
  }
}

function tooLarge(where: string, size: number | string, maxBytes: number): ArtifactReadError {
  return new ArtifactReadError(
    'too-large',
    `${where}: the artifact is ${size} bytes; at most ${maxBytes} bytes are read (put the spec and image definitions in a smaller artifact)`,
  );
}

function destroy(body: unknown): void {
  (body as { destroy?: () => void } | undefined)?.destroy?.();
}

/** Reads the body chunk by chunk and stops past `maxBytes`, whatever the object claims its size is. */
async function readBounded(body: unknown, maxBytes: number, where: string): Promise<Uint8Array> {
  if (body instanceof Uint8Array) {
    if (body.length > maxBytes) throw tooLarge(where, body.length, maxBytes);
    return body;
  }
  if (body && typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      total += bytes.length;
      if (total > maxBytes) {
        destroy(body);
        throw tooLarge(where, `more than ${maxBytes}`, maxBytes);
      }
      chunks.push(bytes);
    }
    return Buffer.concat(chunks);
  }
  const withTransform = body as { transformToByteArray?: () => Promise<Uint8Array> } | undefined;
  if (typeof withTransform?.transformToByteArray === 'function') {
    const bytes = await withTransform.transformToByteArray();
    if (bytes.length > maxBytes) throw tooLarge(where, bytes.length, maxBytes);
    return bytes;
  }
  throw new ArtifactReadError('unavailable', `${where}: the response has no body`);
}
