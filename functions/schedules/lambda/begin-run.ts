/** Lambda entry of BeginRun: validate, name the run after its slot, claim it (serverless.yml `functions/schedules/lambda/begin-run.handler`). */
import { clock, ledger, logger } from '../aws';
import { createBeginRunHandler } from '../begin-run';

export const handler = createBeginRunHandler({ ledger: ledger(), clock, logger: logger() });
