/**
 * The path tests' "inject a failure, expect a safe rollback" blocks, shared: a failure at a weight,
 * a step that throws, the safety invariants a rollback must leave in the memory world, and a fault injected at every call
 * site of a scenario.
 */
import type { RunResult } from '../../shared/local/sfn/engine';
import {
  callSites,
  faultApplies,
  runWithFault,
  type CallSite,
  type FaultKind,
  type Scenario,
} from './fault-injection';
import { MEMORY_TEST_LISTENER, type MemoryWorld } from './memory-world';

/**
 * Runs `act` right after the production listener moves to `green` % on the new color, before the
 * step's first evaluation: where a failure is injected mid-deployment.
 */
export function onShift(world: MemoryWorld, green: number, act: () => unknown): void {
  const setWeights = world.router.setWeights.bind(world.router);
  world.router.setWeights = async (route, weights) => {
    await setWeights(route, weights);
    if (weights.green === green) await act();
  };
}

/** An error as a step throws it; Step Functions matches on its name. */
export function namedError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

/** State overrides that make `state` throw an InjectedError: `injected failure in STATE`. */
export function throwingIn(state: string): Record<string, () => Promise<never>> {
  return {
    [state]: async () => {
      throw namedError('InjectedError', `injected failure in ${state}`);
    },
  };
}

/** The error a deployment records after `throwingIn(state)`. */
export const injectedFailure = (state: string) => ({
  error: 'InjectedError',
  cause: `injected failure in ${state}`,
});

/**
 * Safety after a rollback: production traffic on blue, green at 0, blue untouched at 2 tasks, the
 * lock free; with `testListener`, the test listener back on blue as well.
 */
export function expectSafeAfterRollback(world: MemoryWorld, options: { testListener?: boolean } = {}): void {
  expect(world.router.weights).toEqual({ blue: 100, green: 0 });
  if (options.testListener) {
    expect(world.router.listeners.get(MEMORY_TEST_LISTENER)).toEqual({ blue: 100, green: 0 });
  }
  expect(world.fleet.services.get('local/web-green')?.desiredCount).toBe(0);
  expect(world.fleet.services.get('local/web-blue')?.desiredCount).toBe(2);
  expect(world.store.locks.size).toBe(0);
}

/**
 * The run ended in DeploymentRolledBack and left the world safe (see expectSafeAfterRollback).
 * Returns deployment `d-1`'s record, for the test's own checks of why.
 */
export function expectSafeRollback(
  result: RunResult,
  world: MemoryWorld,
  options: { testListener?: boolean } = {},
) {
  expect(result.error).toBe('DeploymentRolledBack');
  expectSafeAfterRollback(world, options);
  return world.store.records.get('d-1');
}

/**
 * Runs `scenario` once per call site of its fault-free run, with a `kind` fault at that site. The
 * sites, and one line per site whose run broke an invariant (empty when every run stayed safe).
 */
export async function faultAtEverySite(
  scenario: Scenario,
  kind: FaultKind,
): Promise<{ sites: CallSite[]; failures: string[] }> {
  const sites = await callSites(scenario);
  const failures: string[] = [];
  for (const site of sites) {
    if (!faultApplies(kind, site)) continue;
    const run = await runWithFault(scenario, { ...site, kind });
    if (run.violations.length > 0)
      failures.push(`${site.state} ${site.call} #${site.index}: ${run.violations.join('; ')}`);
  }
  return { sites, failures };
}
