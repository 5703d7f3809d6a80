/** Lambda entry of RecordRun: the run's final record in the ledger. */
import { clock, ledger, logger } from '../aws';
import { createRecordRunHandler } from '../record-run';

export const handler = createRecordRunHandler({ ledger: ledger(), clock, logger: logger() });
