/**
 * The health gate, in one place: its settings (gate-schema, probes-schema), the verdict types and
 * the fixed-window and sequential rules (sequential.ts, with the SPRT in sprt.ts), the side
 * signals (task stops, target health, probes, the bake's latest window), the decision that follows
 * an evaluation (decide.ts), and judgeStep / judgeBake / judgeTestRound, which combine them all
 * (judge.ts) for whoever runs the gate.
 */
export * from './gate-schema';
export * from './probes-schema';
export * from './verdict';
export * from './published-data';
export * from './metrics-source';
export * from './fixed-window';
export * from './sequential';
export * from './bake-window';
export * from './task-stops';
export * from './target-health';
export * from './load-balancer-errors';
export * from './probes';
export * from './decide';
export * from './judge';
