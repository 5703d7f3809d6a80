/** The rehearsal's CloudWatch alarms: set by hand, not computed from metrics. */
import type { Alarms } from '../../ports/alarms';

/** Alarms set by hand (simulated CloudWatch alarms): a name in `inAlarm` is in ALARM. */
export class LocalAlarms implements Alarms {
  readonly inAlarm = new Set<string>();
  async firing(names: string[]): Promise<string[]> {
    return names.filter((name) => this.inAlarm.has(name));
  }
}
