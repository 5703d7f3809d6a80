export type { Clock } from './clock';
export { systemClock } from './clock';
export type { Fleet, SlotRef, SlotStatus, StoppedTask } from './fleet';
export type { Metrics } from './metrics';
export type { Notification, Notifier } from './notifier';
export type { RouteRef, Router, TargetHealth } from './router';
export type { LockResult, Store } from './store';
