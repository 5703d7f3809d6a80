import { readdirSync } from 'node:fs';
import path from 'node:path';
import { deployStepFactories } from '../../../functions/deploy';

const ENTRY_DIR = path.join(__dirname, '../../../functions/deploy/lambda');

describe('blue/green Lambda entries', () => {
  const env = { ...process.env };
  beforeAll(() => {
    process.env.TABLE_NAME = 'greenlight-test';
    process.env.TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:greenlight-test';
    process.env.AWS_REGION = 'eu-west-1';
  });
  afterAll(() => {
    process.env = env;
  });

  it('has exactly one entry per step', () => {
    const entries = readdirSync(ENTRY_DIR).map((file) => file.replace(/\.ts$/, ''));
    expect(entries.sort()).toEqual(Object.keys(deployStepFactories).sort());
  });

  it.each(Object.keys(deployStepFactories))(
    'builds the %s handler from the production adapters',
    async (key) => {
      const entry = (await import(path.join(ENTRY_DIR, key))) as { handler: unknown };
      expect(typeof entry.handler).toBe('function');
    },
  );
});
