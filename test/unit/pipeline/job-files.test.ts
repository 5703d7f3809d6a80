import { strToU8, zipSync } from 'fflate';
import { extractFile, imageFromDefinitions, parseJsonFile } from '../../../functions/pipeline/job-files';
import { InvalidInputError } from '../../../shared/domain/errors';
import { zipOf } from '../../fixtures/codepipeline';

const where = 'UserParameters.specFile (greenlight.json) in input artifact "SourceOutput"';

describe('extractFile', () => {
  it('inflates the file at the path, at the root or in a folder', () => {
    const zip = zipOf({ 'greenlight.json': { service: 'web' }, 'deploy/other.json': '{}' });

    expect(parseJsonFile(extractFile(zip, 'greenlight.json', 1024, where), where)).toEqual({
      service: 'web',
    });
    expect(new TextDecoder().decode(extractFile(zip, 'deploy/other.json', 1024, where))).toBe('{}');
  });

  it('names the field, the path and what the archive holds when the file is missing', () => {
    const zip = zipOf({ 'README.md': '# web', 'src/index.ts': '' });

    expect(() => extractFile(zip, 'greenlight.json', 1024, where)).toThrow(
      `${where}: no file "greenlight.json" in the artifact (it holds README.md, src/index.ts)`,
    );
  });

  it('refuses a file larger than the bound before inflating it', () => {
    const zip = zipSync({ 'greenlight.json': strToU8(' '.repeat(5000)) });

    expect(() => extractFile(zip, 'greenlight.json', 4096, where)).toThrow(
      `${where}: "greenlight.json" is 5000 bytes; at most 4096 bytes are read from a file`,
    );
  });

  it('refuses an artifact that is not a zip archive', () => {
    expect(() => extractFile(strToU8('{"service": "web"}'), 'greenlight.json', 1024, where)).toThrow(
      InvalidInputError,
    );
    expect(() => extractFile(strToU8('{"service": "web"}'), 'greenlight.json', 1024, where)).toThrow(
      'not a readable zip archive',
    );
  });
});

describe('parseJsonFile', () => {
  it('reads UTF-8 JSON with a byte order mark', () => {
    expect(parseJsonFile(strToU8('\uFEFF{"a": 1}'), where)).toEqual({ a: 1 });
  });

  it('names the file when it is not JSON', () => {
    expect(() => parseJsonFile(strToU8('service: web'), where)).toThrow(`${where}: not valid UTF-8 JSON`);
  });
});

describe('imageFromDefinitions', () => {
  const definitionsWhere = 'UserParameters.imageDefinitions (BuildOutput::imagedefinitions.json)';

  it("picks the entry named after the spec's container from imagedefinitions.json", () => {
    const definitions = [
      { name: 'log-router', imageUri: 'r/fluent-bit:2' },
      { name: 'app', imageUri: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2' },
    ];

    expect(imageFromDefinitions(definitions, 'app', definitionsWhere)).toBe(
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2',
    );
  });

  it('takes the ImageURI of an ECR source imageDetail.json', () => {
    const detail = {
      ImageSizeInBytes: '50801',
      ImageDigest: 'sha256:3d5f',
      Version: '1.0',
      RepositoryName: 'web',
      ImageURI: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:3d5f',
      ImageTags: ['latest'],
    };

    expect(imageFromDefinitions(detail, 'app', definitionsWhere)).toBe(detail.ImageURI);
  });

  it('names the container and the entries there are when none matches', () => {
    expect(() =>
      imageFromDefinitions([{ name: 'web', imageUri: 'r/web:2' }], 'app', definitionsWhere),
    ).toThrow(`${definitionsWhere}: no entry named "app" (the spec's container.name); it has "web"`);
  });

  it('says which shapes it reads when the file is neither', () => {
    expect(() => imageFromDefinitions({ image: 'r/web:2' }, 'app', definitionsWhere)).toThrow(
      `${definitionsWhere}: expected imagedefinitions.json`,
    );
  });
});
