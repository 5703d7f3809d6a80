/** Lambda entry of AcquireGuard / TakeOverGuard / ReleaseGuard: the schedule's lease in the run ledger. */
import { clock, ledger, logger } from '../aws';
import { createGuardHandler } from '../guard';

export const handler = createGuardHandler({ ledger: ledger(), clock, logger: logger() });
