/** CloudWatch alarms a deployment watches (any in ALARM fails the gate at once). */
export interface Alarms {
  /** The names among `names` whose alarm is in the ALARM state now. */
  firing(names: string[]): Promise<string[]>;
  /** The names among `names` that name no alarm at all (CloudWatch answers unknown names with nothing). */
  missing(names: string[]): Promise<string[]>;
}
