/** CloudWatch alarms a deployment watches (any in ALARM fails the gate at once). */
export interface Alarms {
  /** The names among `names` whose alarm is in the ALARM state now. */
  firing(names: string[]): Promise<string[]>;
}
