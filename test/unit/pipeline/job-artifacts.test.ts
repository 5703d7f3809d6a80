import { deployRequestOf, failureTypeOf } from '../../../functions/pipeline/job-artifacts';
import { parseJobEvent, type PipelineJob } from '../../../functions/pipeline/job-event';
import { InvalidInputError } from '../../../shared/domain/errors';
import type { ArtifactLocation, Artifacts } from '../../../shared/ports/artifacts';
import { jobEvent, zipOf, type JobEventOptions } from '../../fixtures/codepipeline';
import { specFor } from '../../fixtures/spec';

const IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2';
const LIMITS = { maxArtifactBytes: 1024 * 1024, maxFileBytes: 64 * 1024 };

function jobOf(options: JobEventOptions): PipelineJob {
  const parsed = parseJobEvent(jobEvent(options));
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.job;
}

/** Artifacts served by object key, counting the downloads. */
function artifactsOf(zips: Record<string, Uint8Array>) {
  const reads: string[] = [];
  const artifacts: Artifacts = {
    read: (location: ArtifactLocation) => {
      reads.push(location.key);
      const zip = zips[location.key];
      return zip ? Promise.resolve(zip) : Promise.reject(new Error(`no object ${location.key}`));
    },
  };
  return { artifacts, reads };
}

describe('deployRequestOf', () => {
  it('reads the spec and the image from files of the input artifacts, downloading each once', async () => {
    // Prepare
    const { artifacts, reads } = artifactsOf({
      'web-pipeline/SourceOutput/Xk3p9Qz': zipOf({ 'greenlight.json': specFor() }),
      'web-pipeline/BuildOutput/Xk3p9Qz': zipOf({
        'imagedefinitions.json': [{ name: 'app', imageUri: IMAGE }],
      }),
    });
    const job = jobOf({
      userParameters: { specFile: 'greenlight.json', imageDefinitions: 'BuildOutput::imagedefinitions.json' },
    });

    // Act
    const request = await deployRequestOf({ artifacts }, job, LIMITS);

    // Assess
    expect(request).toEqual({ image: IMAGE, spec: specFor() });
    expect(reads).toEqual(['web-pipeline/SourceOutput/Xk3p9Qz', 'web-pipeline/BuildOutput/Xk3p9Qz']);
  });

  it('takes an inline spec and image as they are, reading no artifact', async () => {
    // Prepare
    const { artifacts, reads } = artifactsOf({});
    const job = jobOf({ userParameters: { spec: specFor(), image: IMAGE, force: true } });

    // Act
    const request = await deployRequestOf({ artifacts }, job, LIMITS);

    // Assess
    expect(request).toEqual({ image: IMAGE, spec: specFor(), force: true });
    expect(reads).toEqual([]);
  });

  it('names the file an invalid spec came from', async () => {
    // Prepare
    const { artifacts } = artifactsOf({
      'web-pipeline/SourceOutput/Xk3p9Qz': zipOf({ 'greenlight.json': { service: 'web' } }),
    });
    const job = jobOf({ userParameters: { specFile: 'greenlight.json', image: IMAGE } });

    // Act
    const refused = deployRequestOf({ artifacts }, job, LIMITS);

    // Assess
    await expect(refused).rejects.toThrow(InvalidInputError);
    await expect(refused).rejects.toThrow(/^UserParameters\.specFile \(greenlight\.json\): spec\./);
  });

  it("refuses a reference to an artifact the action does not have, naming the action's artifacts", async () => {
    // Prepare
    const { artifacts } = artifactsOf({});
    const job = jobOf({ userParameters: { specFile: 'Source::greenlight.json', image: IMAGE } });

    // Act
    const refused = deployRequestOf({ artifacts }, job, LIMITS);

    // Assess
    await expect(refused).rejects.toThrow(
      'UserParameters.specFile (Source::greenlight.json): no input artifact named "Source" (the action\'s input artifacts: "SourceOutput", "BuildOutput")',
    );
  });
});

describe('failureTypeOf', () => {
  it('answers the pipeline with the failure type that fits why the artifact could not be read', () => {
    // Assess
    expect(failureTypeOf('access-denied')).toBe('PermissionError');
    expect(failureTypeOf('not-found')).toBe('RevisionUnavailable');
    expect(failureTypeOf('too-large')).toBe('ConfigurationError');
    expect(failureTypeOf('unavailable')).toBe('JobFailed');
  });
});
