/**
 * The orchestrator's own CloudWatch metrics, in the Embedded Metric Format (Powertools Metrics):
 * printed as log lines that CloudWatch Logs turns into metrics, so recording costs no API call and
 * no IAM permission. Namespace `Greenlight`, dimension `service` (POWERTOOLS_SERVICE_NAME); the
 * dashboard and alarms of serverless.yml read exactly these names.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Outcome } from '../domain/deployment';
import type { Decision } from '../domain/gate/decide';
import type { Verdict } from '../domain/gate/verdict';
import { onLambda } from './runtime';

export const METRICS_NAMESPACE = 'Greenlight';
export const DEFAULT_SERVICE = 'greenlight';

/** Metric names, as the dashboard and alarms name them. */
export const METRIC = {
  started: 'DeploymentsStarted',
  PROMOTED: 'DeploymentsPromoted',
  ROLLED_BACK: 'DeploymentsRolledBack',
  ROLLBACK_FAILED: 'DeploymentsRollbackFailed',
  REJECTED: 'DeploymentsRejected',
  // Reconcile's end of a hook-only record, not a workflow's: Finish never reports it.
  UNOBSERVED: 'DeploymentsUnobserved',
  duration: 'DeploymentDuration',
  timeToDetect: 'TimeToDetect',
  gateEvaluations: 'GateEvaluations',
} as const satisfies Record<'started' | Outcome | 'duration' | 'timeToDetect' | 'gateEvaluations', string>;

/** The moments the handlers report. */
export interface DeploymentMetrics {
  /** Prepare has set a deployment up (it owns the lock and the new revision). */
  started(): void;
  /** Finish recorded the outcome; `durationMs` from Prepare's start, when Prepare ran. */
  ended(outcome: Outcome, durationMs: number | undefined): void;
  /**
   * One gate evaluation. On a rollback decision, `timeToDetectMs` is how long the failing step
   * had been running (from its weights being set) when the gate decided.
   */
  gateEvaluated(verdict: Verdict, decision: Decision, timeToDetectMs?: number): void;
}

/** The Powertools Metrics instance of this container; null off Lambda, where nothing is emitted. */
export function createMetrics(env: NodeJS.ProcessEnv = process.env): Metrics | null {
  if (!onLambda(env)) return null;
  return new Metrics({
    namespace: env.POWERTOOLS_METRICS_NAMESPACE || METRICS_NAMESPACE,
    serviceName: env.POWERTOOLS_SERVICE_NAME || DEFAULT_SERVICE,
  });
}

/** The deployment metrics written to `metrics` (flushed by the handler's logMetrics middleware). */
export function deploymentMetrics(metrics: Metrics): DeploymentMetrics {
  return {
    started: () => metrics.addMetric(METRIC.started, MetricUnit.Count, 1),
    ended: (outcome, durationMs) => {
      metrics.addMetric(METRIC[outcome], MetricUnit.Count, 1);
      if (durationMs !== undefined && durationMs >= 0) {
        metrics.addMetric(METRIC.duration, MetricUnit.Milliseconds, durationMs);
      }
    },
    gateEvaluated: (verdict, decision, timeToDetectMs) => {
      // Its own EMF line: `verdict` is a dimension of this metric only, not of the others.
      const single = metrics.singleMetric();
      single.addDimension('verdict', verdict);
      single.addMetric(METRIC.gateEvaluations, MetricUnit.Count, 1);
      if (decision === 'rollback' && timeToDetectMs !== undefined && timeToDetectMs >= 0) {
        metrics.addMetric(METRIC.timeToDetect, MetricUnit.Milliseconds, timeToDetectMs);
      }
    },
  };
}

/** What a handler is given to report with: the recorder and the instance its middleware flushes. */
export interface HandlerMetrics {
  metrics: Metrics;
  deployment: DeploymentMetrics;
}

/** The container's handler metrics on Lambda; undefined elsewhere (the rehearsal, the tests). */
export function handlerMetrics(env: NodeJS.ProcessEnv = process.env): HandlerMetrics | undefined {
  const metrics = createMetrics(env);
  return metrics ? { metrics, deployment: deploymentMetrics(metrics) } : undefined;
}
