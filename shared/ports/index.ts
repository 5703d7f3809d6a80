// Every port in one import. Each file holds one port; this barrel re-exports all of them.
export type { Alarms } from './alarms';
export type { AlertStore, SavedProgress, StopClaim, StopRef } from './alert-store';
export type { ArtifactCredentials, ArtifactLocation, ArtifactReadFailure, Artifacts } from './artifacts';
export { ArtifactReadError } from './artifacts';
export type { Clock } from './clock';
export { systemClock } from './clock';
export type { DeploymentLookup, RunningDeployment } from './deployment-lookup';
export type { ExecutionStatus, Executions, StartOutcome } from './executions';
export type { Fleet, RevisionReader, SlotRef, SlotStatus, StoppedTask } from './fleet';
export type { Metrics } from './metrics';
export type { NewTaskStops } from './new-task-stops';
export type { Notification, Notifier } from './notifier';
export type {
  JobExecutionDetails,
  JobFailure,
  JobFailureType,
  JobSuccess,
  PipelineJobs,
  ReportOutcome,
} from './pipeline-jobs';
export { bounded, JOB_LIMITS } from './pipeline-jobs';
export type { Probe, ProbeResult } from './probe';
export type { RouteRef, Router, TargetHealth } from './router';
export type { LockResult, Store } from './store';
export type { TaskDefinitionSummary, TaskDefinitions } from './task-definitions';
export type { UserHookReply, UserHooks } from './user-hooks';
