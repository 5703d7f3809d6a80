import { maxDurationSeconds, testTrafficPhase } from '../../../shared/domain/plan';
import { parseSpec } from '../../fixtures/spec';

const PROBES = { url: 'http://test-listener.local:8443/health' };
const TEST_TRAFFIC = { listener: 'test-listener' };

describe('spec: probes and testTraffic', () => {
  it('fills the defaults of probes and testTraffic', () => {
    const spec = parseSpec({ probes: PROBES, testTraffic: TEST_TRAFFIC });

    expect(spec.probes).toEqual({
      url: PROBES.url,
      expectStatus: [200],
      maxLatencyMs: 2000,
      requests: 10,
      concurrency: 2,
      timeoutMs: 3000,
      maxFailures: 0,
    });
    expect(spec.testTraffic).toEqual({
      listener: 'test-listener',
      holdSeconds: 60,
      intervalSeconds: 10,
      consecutiveFailures: 2,
      timeoutSeconds: 300,
    });
  });

  it('leaves both out when the spec does not set them', () => {
    const spec = parseSpec();

    expect('probes' in spec).toBe(false);
    expect('testTraffic' in spec).toBe(false);
    expect(testTrafficPhase(spec, 0)).toBeNull();
  });

  it.each([
    ['an ftp URL', { probes: { url: 'ftp://x/y' } }, 'spec.probes.url: expected an http:// or https:// URL'],
    ['no URL at all', { probes: { url: 'health' } }, 'spec.probes.url: expected an http:// or https:// URL'],
    [
      'a status out of range',
      { probes: { ...PROBES, expectStatus: [200, 700] } },
      'spec.probes.expectStatus[1]',
    ],
    ['concurrency above 10', { probes: { ...PROBES, concurrency: 11 } }, 'spec.probes.concurrency'],
    [
      'a round that cannot fit an evaluation',
      { probes: { ...PROBES, requests: 20, concurrency: 2, timeoutMs: 5000 } },
      'spec.probes.timeoutMs: a round of probes must fit in 20000 ms, got ceil(20 requests / 2 concurrency) × 5000 ms = 50000 ms',
    ],
    [
      'as many tolerated failures as requests',
      { probes: { ...PROBES, requests: 3, maxFailures: 3 } },
      'spec.probes.maxFailures: must be less than requests (3)',
    ],
    [
      'testTraffic without probes',
      { testTraffic: TEST_TRAFFIC },
      'spec.probes: required when testTraffic is set: probes are the only traffic the test listener carries',
    ],
    [
      'the production listener as test listener',
      { probes: PROBES, testTraffic: { listener: 'local-listener' } },
      'spec.testTraffic.listener: must differ from the production route',
    ],
    [
      'the production rule as test rule',
      {
        traffic: { listener: 'local-listener', rule: 'rule-1' },
        probes: PROBES,
        testTraffic: { listener: 'local-listener', rule: 'rule-1' },
      },
      'spec.testTraffic.rule: must differ from the production route',
    ],
    [
      'an unknown testTraffic field',
      { probes: PROBES, testTraffic: { ...TEST_TRAFFIC, weight: 5 } },
      'spec.testTraffic',
    ],
  ])('refuses %s, naming the field', (_label, overrides, message) => {
    expect(() => parseSpec(overrides as never)).toThrow(message);
  });

  it('accepts a test rule on the production listener', () => {
    const spec = parseSpec({
      probes: PROBES,
      testTraffic: { listener: 'local-listener', rule: 'test-rule' },
    });

    expect(spec.testTraffic?.rule).toBe('test-rule');
  });

  it('starts the test-traffic phase with its hold, interval and deadline', () => {
    const spec = parseSpec({
      probes: PROBES,
      testTraffic: { ...TEST_TRAFFIC, holdSeconds: 30, intervalSeconds: 5, timeoutSeconds: 120 },
    });

    expect(testTrafficPhase(spec, 1_000)).toEqual({
      phase: 'test',
      holdSeconds: 30,
      intervalSeconds: 5,
      startedAt: 1_000,
      deadlineAt: 1_000 + 150_000,
    });
  });

  it('counts the test-traffic rounds in the Step Functions history budget', () => {
    const longAndFine = {
      probes: PROBES,
      testTraffic: { ...TEST_TRAFFIC, holdSeconds: 3600, intervalSeconds: 60 },
    };
    const tooFine = {
      probes: PROBES,
      testTraffic: { ...TEST_TRAFFIC, holdSeconds: 86_400, intervalSeconds: 1 },
    };

    expect(() => parseSpec(longAndFine)).not.toThrow();
    expect(() => parseSpec(tooFine)).toThrow(/history events .*testTraffic\.intervalSeconds/);
  });

  it("lengthens the lock's lease by the test-traffic phase's longest duration", () => {
    const without = parseSpec({ probes: PROBES });
    const withTest = parseSpec({
      probes: PROBES,
      testTraffic: { ...TEST_TRAFFIC, holdSeconds: 30, intervalSeconds: 5, timeoutSeconds: 120 },
    });

    expect(maxDurationSeconds(withTest) - maxDurationSeconds(without)).toBe(30 + 120 + 5);
  });
});
