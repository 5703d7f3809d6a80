/** The rehearsal's CloudWatch alarms: set by hand, not computed from metrics. */
import type { Alarms } from '../../ports/alarms';

/**
 * Alarms set by hand (simulated CloudWatch alarms): the names in `defined` exist (in OK unless also
 * in `inAlarm`), a name in `inAlarm` exists and is in ALARM; any other name names no alarm, as on
 * CloudWatch.
 */
export class LocalAlarms implements Alarms {
  readonly defined = new Set<string>();
  readonly inAlarm = new Set<string>();
  async firing(names: string[]): Promise<string[]> {
    return names.filter((name) => this.inAlarm.has(name));
  }
  async missing(names: string[]): Promise<string[]> {
    return [...new Set(names)].filter((name) => !this.defined.has(name) && !this.inAlarm.has(name));
  }
}
