/** Lambda entry of Notify: the run's alert, per its alert policy. */
import { clock, logger, notifier } from '../aws';
import { createNotifyRunHandler } from '../notify-run';

export const handler = createNotifyRunHandler({ notifier: notifier(), clock, logger: logger() });
