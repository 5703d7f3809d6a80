import { fileRef, parseJobEvent, parseUserParameters } from '../../../functions/pipeline/job-event';
import { InvalidInputError } from '../../../shared/domain/errors';
import { ARTIFACT_BUCKET, ARTIFACT_CREDENTIALS, JOB_ID, jobEvent } from '../../fixtures/codepipeline';

describe('parseJobEvent', () => {
  it('reads the job id, UserParameters, input artifacts, credentials and continuation token', () => {
    const parsed = parseJobEvent(
      jobEvent({
        userParameters: { image: 'x' },
        continuationToken: 'tok',
        artifacts: [{ name: 'Src', key: 'k/1' }],
      }),
    );

    expect(parsed).toEqual({
      ok: true,
      job: {
        id: JOB_ID,
        userParameters: '{"image":"x"}',
        inputArtifacts: [
          { name: 'Src', field: 'data.inputArtifacts[0]', location: { bucket: ARTIFACT_BUCKET, key: 'k/1' } },
        ],
        credentials: {
          accessKeyId: ARTIFACT_CREDENTIALS.accessKeyId,
          secretAccessKey: ARTIFACT_CREDENTIALS.secretAccessKey,
          sessionToken: ARTIFACT_CREDENTIALS.sessionToken,
        },
        continuationToken: 'tok',
      },
    });
  });

  it('keeps an artifact with a malformed location, with the problem to report if it is read', () => {
    const event = jobEvent({ userParameters: {} });
    (event['CodePipeline.job'].data.inputArtifacts[1] as { location: unknown }).location = { type: 'S3' };

    const parsed = parseJobEvent(event);

    expect(parsed.ok && parsed.job.inputArtifacts[1]).toEqual({
      name: 'BuildOutput',
      field: 'data.inputArtifacts[1]',
      problem: 'data.inputArtifacts[1].location.s3Location: expected {bucketName, objectKey}',
    });
  });

  it('fails an event with a job id but a malformed field, naming the field and no value', () => {
    const event = jobEvent();
    (
      event['CodePipeline.job'].data.actionConfiguration.configuration as Record<string, unknown>
    ).UserParameters = 42;

    const parsed = parseJobEvent(event);

    expect(parsed).toEqual({
      ok: false,
      jobId: JOB_ID,
      message: expect.stringContaining(
        'CodePipeline.job.data.actionConfiguration.configuration.UserParameters',
      ) as unknown as string,
    });
    expect(JSON.stringify(parsed)).not.toContain(ARTIFACT_CREDENTIALS.secretAccessKey);
  });

  it.each([
    ['no envelope', {}],
    ['not an object', 'hello'],
    ['no id', { 'CodePipeline.job': { data: {} } }],
  ])('reports an event without a job id as unanswerable (%s)', (_case, event) => {
    const parsed = parseJobEvent(event);

    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.jobId).toBeUndefined();
  });

  it('leaves the credentials out when they are malformed (required only to read artifacts)', () => {
    const parsed = parseJobEvent(jobEvent({ credentials: { accessKeyId: 'x' } }));

    expect(parsed.ok && parsed.job.credentials).toBeUndefined();
  });
});

describe('parseUserParameters', () => {
  it('accepts a spec file and an image definitions file, with artifact prefixes', () => {
    expect(
      parseUserParameters(
        '{"specFile": "deploy/greenlight.json", "imageDefinitions": "Build::imagedefinitions.json"}',
      ),
    ).toEqual({ specFile: 'deploy/greenlight.json', imageDefinitions: 'Build::imagedefinitions.json' });
  });

  it('accepts an inline spec and image, and force', () => {
    expect(parseUserParameters('{"spec": {"service": "web"}, "image": "r/web:2", "force": true}')).toEqual({
      spec: { service: 'web' },
      image: 'r/web:2',
      force: true,
    });
  });

  it.each([
    [undefined, 'UserParameters: required, a JSON object such as'],
    ['  ', 'UserParameters: required'],
    ['{not json', 'UserParameters: not valid JSON'],
    ['[]', 'UserParameters: '],
    ['{"image": "r/web:2"}', 'UserParameters.specFile: required (or spec)'],
    ['{"specFile": "a.json"}', 'UserParameters.imageDefinitions: required (or image)'],
    [
      '{"spec": {}, "specFile": "a.json", "image": "x"}',
      'UserParameters.specFile: give spec or specFile, not both',
    ],
    ['{"specFile": "../etc/passwd", "image": "x"}', 'UserParameters.specFile: expected a relative path'],
    ['{"specFile": "/abs.json", "image": "x"}', 'UserParameters.specFile: expected a relative path'],
    ['{"specFile": "a.json", "image": "x", "force": "yes"}', 'UserParameters.force: '],
    ['{"specFile": "a.json", "image": "x", "imageTag": "2"}', 'UserParameters: Unrecognized key: "imageTag"'],
  ])('refuses %j naming the field', (text, message) => {
    expect(() => parseUserParameters(text)).toThrow(InvalidInputError);
    expect(() => parseUserParameters(text)).toThrow(message);
  });
});

describe('fileRef', () => {
  it('splits CodePipeline artifact notation and drops a leading ./', () => {
    expect(fileRef('BuildOutput::./out/imagedefinitions.json', 'f')).toEqual({
      artifact: 'BuildOutput',
      path: 'out/imagedefinitions.json',
      field: 'f',
      ref: 'BuildOutput::./out/imagedefinitions.json',
    });
    expect(fileRef('greenlight.json', 'f')).toEqual({
      path: 'greenlight.json',
      field: 'f',
      ref: 'greenlight.json',
    });
  });
});
