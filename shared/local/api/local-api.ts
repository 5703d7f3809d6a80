/**
 * The deploy API on the local rehearsal: the production API handler (functions/api) behind the
 * local API (simulated API Gateway), with rehearsal dependencies — executions run the rehearsal's
 * blue/green state machine, the Store and the lock lookup are the production DynamoDB adapters on
 * dynalite. So `greenlight deploy|status|approve|abort ... --api <local URL>` drives real local
 * deployments through the same code paths as on AWS.
 */
import { createApiHandler, type ApiDeps } from '../../../functions/api/api';
import { createReportHandler } from '../../../functions/api/report';
import { REPORT_ROUTE } from '../../../functions/api/routes';
import { DynamoDeploymentLookup } from '../../aws/dynamo-deployment-lookup';
import { DynamoRunLedger } from '../../aws/dynamo-run-ledger';
import { ServiceStateError } from '../../domain/errors';
import { SimulatedSchedules } from '../scheduler/simulated-schedules';
import type { DeployRequestInput } from '../../domain/deployment';
import type { DeployOptions, DeployResult, Rehearsal } from '../rehearsal';
import { LocalApiGateway } from './local-api-gateway';
import { LocalExecutions } from '../sfn/local-executions';

export interface LocalDeployApiOptions extends DeployOptions {
  port?: number;
  /** Identity the simulated IAM authorizer reports (default `local:<OS user>`). */
  caller?: string;
  /** Called when an execution ends. */
  onEnded?: (result: DeployResult) => void;
}

/** The rehearsal's deploy API, listening on 127.0.0.1; `stop()` closes it (the rehearsal stays up). */
export class LocalDeployApi {
  private constructor(
    readonly gateway: LocalApiGateway,
    /** Simulated Step Functions executions, one per deployment id. */
    readonly executions: LocalExecutions,
    readonly deps: ApiDeps,
  ) {}

  get url(): string {
    return this.gateway.url;
  }

  static async start(rehearsal: Rehearsal, options: LocalDeployApiOptions = {}): Promise<LocalDeployApi> {
    const { port, caller, onEnded, ...deployOptions } = options;
    const executions = new LocalExecutions((_deploymentId, input) => {
      // Simulated-only check, thrown synchronously so the request is refused (400) before anything
      // starts: the image must be in the local catalog and the spec must name local target groups.
      rehearsal.validate(input);
      return rehearsal.deploy(input as DeployRequestInput, deployOptions).then((result) => {
        onEnded?.(result);
        return result.status === 'SUCCEEDED';
      });
    });
    const { store, clock, logger } = rehearsal.deps;
    const deps: ApiDeps = {
      executions,
      store,
      deployments: new DynamoDeploymentLookup({
        client: rehearsal.dynamo.documentClient,
        tableName: rehearsal.dynamo.tableName,
        clock,
      }),
      clock,
      logger,
      // Dry runs read the rehearsal's own ports: the proxy's weights, the process fleet's services
      // and registered revisions, the local alarms (simulated, set by hand), no scalable targets.
      dryRun: {
        alarms: rehearsal.deps.alarms,
        router: rehearsal.deps.router,
        fleet: rehearsal.fleet,
        scaling: rehearsal.deps.scaling,
      },
      // Schedules are kept in simulated Scheduler (nothing fires from them); runs are read from the
      // run ledger on dynalite. Manual runs are refused: the rehearsal does not run the
      // scheduled-task machine yet.
      scheduling: {
        schedules: new SimulatedSchedules(() => clock.now()),
        ledger: new DynamoRunLedger({
          client: rehearsal.dynamo.documentClient,
          tableName: rehearsal.dynamo.tableName,
        }),
        runs: {
          start: () =>
            Promise.reject(
              new ServiceStateError(
                'manual runs are not simulated in the local rehearsal yet (no local scheduled-task engine)',
              ),
            ),
        },
      },
    };
    const gateway = await LocalApiGateway.start({
      handler: createApiHandler(deps),
      // As on AWS, the report is its own function.
      routeHandlers: { [REPORT_ROUTE]: createReportHandler({ store, logger }) },
      ...(port !== undefined ? { port } : {}),
      ...(caller !== undefined ? { caller } : {}),
    });
    return new LocalDeployApi(gateway, executions, deps);
  }

  /** Resolves when the deployment's execution has ended. */
  settled(deploymentId: string): Promise<void> {
    return this.executions.settled(deploymentId);
  }

  async stop(): Promise<void> {
    await this.gateway.stop();
  }
}
