import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { S3Artifacts } from '../../../shared/aws/s3-artifacts';
import { ArtifactReadError } from '../../../shared/ports/artifacts';
import { ARTIFACT_BUCKET, ARTIFACT_CREDENTIALS, zipOf } from '../../fixtures/codepipeline';

const s3 = mockClient(S3Client);
const location = { bucket: ARTIFACT_BUCKET, key: 'web-pipeline/SourceOut/Xk3p9Qz' };
const artifacts = () => new S3Artifacts({ region: 'eu-west-1' });
/** The body as the SDK gives it on Node: a readable stream. */
const body = (bytes: Uint8Array, chunk = 64) =>
  Readable.from(
    Array.from({ length: Math.ceil(bytes.length / chunk) }, (_, i) =>
      bytes.subarray(i * chunk, (i + 1) * chunk),
    ),
  );
const awsError = (name: string) => Object.assign(new Error(`${name} happened`), { name });

describe('S3Artifacts', () => {
  beforeEach(() => s3.reset());

  it("reads the object with the job's artifact credentials", async () => {
    const zip = zipOf({ 'greenlight.json': { service: 'web' } });
    s3.on(GetObjectCommand).resolves({ Body: body(zip) as never, ContentLength: zip.length });

    const bytes = await artifacts().read(location, ARTIFACT_CREDENTIALS, 1024 * 1024);

    expect(Buffer.from(bytes).equals(Buffer.from(zip))).toBe(true);
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: location.bucket, Key: location.key });
    const client = s3.commandCalls(GetObjectCommand)[0]!.thisValue as S3Client;
    await expect(client.config.credentials()).resolves.toMatchObject({
      accessKeyId: ARTIFACT_CREDENTIALS.accessKeyId,
      secretAccessKey: ARTIFACT_CREDENTIALS.secretAccessKey,
      sessionToken: ARTIFACT_CREDENTIALS.sessionToken,
    });
  });

  it("traces each read's client with the tracer, like the container-wide clients", async () => {
    const zip = zipOf({ 'greenlight.json': { service: 'web' } });
    s3.on(GetObjectCommand).resolves({ Body: body(zip) as never, ContentLength: zip.length });
    const captured: S3Client[] = [];
    const tracer = {
      captureAWSv3Client: jest.fn(<T>(client: T) => {
        captured.push(client as S3Client);
        return client;
      }),
    };

    await new S3Artifacts({ region: 'eu-west-1', tracer }).read(location, ARTIFACT_CREDENTIALS, 1024 * 1024);

    expect(tracer.captureAWSv3Client).toHaveBeenCalledTimes(1);
    // The traced client is the one that sent the read, with the job's credentials.
    expect(s3.commandCalls(GetObjectCommand)[0]!.thisValue).toBe(captured[0]);
    await expect(captured[0]!.config.credentials()).resolves.toMatchObject({
      accessKeyId: ARTIFACT_CREDENTIALS.accessKeyId,
    });
  });

  it('refuses an object whose declared size is over the bound, without reading it', async () => {
    const stream = body(new Uint8Array(10));
    s3.on(GetObjectCommand).resolves({ Body: stream as never, ContentLength: 5_000_000 });

    const read = artifacts().read(location, ARTIFACT_CREDENTIALS, 1_000_000);

    await expect(read).rejects.toMatchObject({ reason: 'too-large' });
    expect(stream.destroyed).toBe(true);
  });

  it('stops reading past the bound when the size is not declared', async () => {
    s3.on(GetObjectCommand).resolves({ Body: body(new Uint8Array(4096)) as never });

    await expect(artifacts().read(location, ARTIFACT_CREDENTIALS, 1000)).rejects.toThrow(
      `s3://${ARTIFACT_BUCKET}/${location.key}: the artifact is more than 1000 bytes`,
    );
  });

  it.each([
    ['NoSuchKey', 'not-found'],
    ['AccessDenied', 'access-denied'],
    ['ExpiredToken', 'access-denied'],
    ['InternalError', 'unavailable'],
  ])('maps %s to %s, naming the object and never the credentials', async (code, reason) => {
    s3.on(GetObjectCommand).rejects(awsError(code));

    const error = (await artifacts()
      .read(location, ARTIFACT_CREDENTIALS, 1000)
      .catch((e: unknown) => e)) as ArtifactReadError;

    expect(error).toBeInstanceOf(ArtifactReadError);
    expect(error.reason).toBe(reason);
    expect(error.message).toContain(`s3://${ARTIFACT_BUCKET}/${location.key}`);
    expect(error.message).not.toContain(ARTIFACT_CREDENTIALS.secretAccessKey);
  });
});
