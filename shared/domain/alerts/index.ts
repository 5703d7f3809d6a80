/** Stopped-task alerts: parse, classify, redact, count and word ECS task stops. Pure. */
export * from './assess';
export * from './classify';
export * from './enrichment';
export * from './message';
export * from './policy';
export * from './redact';
export * from './task-event';
export * from './window';
export * from './tally';
