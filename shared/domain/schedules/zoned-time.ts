/**
 * Wall-clock time in an IANA time zone, computed with `Intl.DateTimeFormat` (the runtime's tz
 * database). Pure: no clock is read here; every function takes the instant it works on.
 */

/** A local date and time in some zone; `weekday` is 0–6, Sunday = 0. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export interface LocalParts extends WallTime {
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Why `name` is not an IANA time zone name this runtime knows, or undefined when it is one. */
export function timeZoneProblem(name: string): string | undefined {
  // Offsets such as "+02:00" are accepted by newer Intl versions but are not IANA names.
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) return `"${name}" is not an IANA time zone name`;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return `"${name}" is not an IANA time zone name (e.g. UTC, Europe/Berlin, America/New_York)`;
  }
  if (resolved !== name && resolved.toLowerCase() === name.toLowerCase()) {
    return `write it as "${resolved}"`;
  }
  return undefined;
}

/** The local date and time at `instantMs` in `timeZone` (milliseconds dropped). */
export function localParts(instantMs: number, timeZone: string): LocalParts {
  const parts = formatter(timeZone).formatToParts(instantMs);
  const get = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((p) => p.type === type)?.value);
  const wall = {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  };
  return { ...wall, weekday: new Date(Date.UTC(wall.year, wall.month - 1, wall.day)).getUTCDay() };
}

/** The wall time read as if it were UTC, in milliseconds: a scale on which local times compare (years from 100 on). */
export function wallTimeMs(w: WallTime): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

/** The zone's offset from UTC at `instantMs`, in minutes (New York in winter: -300). */
export function offsetMinutes(instantMs: number, timeZone: string): number {
  const whole = Math.floor(instantMs / 1000) * 1000;
  return Math.round((wallTimeMs(localParts(whole, timeZone)) - whole) / 60_000);
}

/**
 * Every instant at which the zone's clocks show `wall`, earliest first: none when the time falls
 * in a spring-forward gap, two when it falls in a fall-back overlap.
 */
export function instantsOf(wall: WallTime, timeZone: string): number[] {
  const guess = wallTimeMs(wall);
  const hour = 3_600_000;
  // Offsets lie within ±14 h, so every instant showing `wall` is within 14 h of `guess`; sampling
  // the offset on both sides and in the middle finds every offset in force around it.
  const offsets = new Set(
    [guess - 15 * hour, guess, guess + 15 * hour].map((t) => offsetMinutes(t, timeZone)),
  );
  const found = new Set<number>();
  for (const offset of offsets) {
    const instant = guess - offset * 60_000;
    if (wallTimeMs(localParts(instant, timeZone)) === guess) found.add(instant);
  }
  return [...found].sort((a, b) => a - b);
}

/**
 * The first instant at which the zone's clocks show `wall`, or undefined in a spring-forward gap.
 * `offsetHint` (minutes; e.g. the offset of the previous slot) is tried first: it is almost
 * always right, and checking it takes two formatter calls instead of about six.
 */
export function firstInstantOf(wall: WallTime, timeZone: string, offsetHint?: number): number | undefined {
  if (offsetHint !== undefined) {
    const guess = wallTimeMs(wall) - offsetHint * 60_000;
    if (
      wallTimeMs(localParts(guess, timeZone)) === wallTimeMs(wall) &&
      isFirstOccurrence(guess, timeZone, offsetHint)
    ) {
      return guess;
    }
  }
  return instantsOf(wall, timeZone)[0];
}

/**
 * True when `instantMs` is the first (or only) time the zone's clocks show its wall time: false
 * in the second pass of a fall-back hour.
 */
export function isFirstOccurrence(
  instantMs: number,
  timeZone: string,
  offset = offsetMinutes(instantMs, timeZone),
): boolean {
  // A wall time repeats only after the clocks went back, by at most a few hours (one almost
  // everywhere): without a drop of the offset over the last 3 hours, this is the first time.
  if (offsetMinutes(instantMs - 3 * 3_600_000, timeZone) <= offset) return true;
  const wall = localParts(instantMs, timeZone);
  const first = instantsOf(wall, timeZone)[0];
  return first === undefined || first >= Math.floor(instantMs / 1000) * 1000;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `2027-03-15 02:30:00 -04:00`: the local time at `instantMs` in `timeZone` with its offset. */
export function formatLocal(instantMs: number, timeZone: string): string {
  const p = localParts(instantMs, timeZone);
  const offset = offsetMinutes(instantMs, timeZone);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return (
    `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)} ` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/** Days in a month (1–12) of a year (from 100 on). */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * The wall time written by six digit groups (year, month, day, hour, minute, second), as a regular
 * expression captures them; a missing group (optional seconds) reads as 0.
 */
export function wallTimeOf(groups: readonly (string | undefined)[]): WallTime {
  const n = (i: number) => Number(groups[i] ?? 0);
  return { year: n(0), month: n(1), day: n(2), hour: n(3), minute: n(4), second: n(5) };
}

/** Which part of `wall` is no real calendar date or time of day (00:00:00–23:59:59), if any. */
export function wallTimeProblem(wall: WallTime): 'date' | 'time' | undefined {
  const { year, month, day, hour, minute, second } = wall;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return 'date';
  if (hour > 23 || minute > 59 || second > 59) return 'time';
  return undefined;
}
