/** Lambda entry of ExamineResult: the attempt's verdict and the retry decision (no AWS calls). */
import { clock, logger } from '../aws';
import { createExamineRunHandler } from '../examine-run';

export const handler = createExamineRunHandler({ clock, logger: logger() });
