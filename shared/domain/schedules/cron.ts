/**
 * EventBridge Scheduler's cron dialect: `cron(minutes hours day-of-month month day-of-week year)`.
 * Parsed into explicit value sets (so wrong input is named field by field) and translated to
 * croner's pattern language for the search of next run times.
 */
import { daysInMonth } from './zoned-time';

/** A problem with one part of an expression; `field` is empty for the expression as a whole. */
export interface ExpressionIssue {
  field: string;
  message: string;
}

export type DayOfMonth =
  /** `?`: the day is chosen by day-of-week. */
  | { kind: 'any' }
  | { kind: 'days'; days: number[] }
  /** `L`: the last day of the month. */
  | { kind: 'last' }
  /** `LW`: the last weekday (Monday–Friday) of the month. */
  | { kind: 'last-weekday' }
  /** `15W`: the weekday nearest the 15th, within the month. */
  | { kind: 'nearest-weekday'; day: number };

/** Days of the week use EventBridge's numbering: 1–7 = Sunday–Saturday. */
export type DayOfWeek =
  /** `?`: the day is chosen by day-of-month. */
  | { kind: 'any' }
  | { kind: 'days'; days: number[] }
  /** `3#2`: the second Tuesday of the month. */
  | { kind: 'nth'; day: number; nth: number }
  /** `6L`: the last Friday of the month (`L` alone is every Saturday, the last day of the week). */
  | { kind: 'last'; day: number };

export interface CronExpression {
  kind: 'cron';
  text: string;
  minutes: number[];
  hours: number[];
  dayOfMonth: DayOfMonth;
  months: number[];
  dayOfWeek: DayOfWeek;
  years: number[];
}

/** EventBridge's year range. */
export const CRON_YEARS = { min: 1970, max: 2199 } as const;

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldRule {
  field: string;
  label: string;
  min: number;
  max: number;
  names?: string[];
}

const RULES = {
  minutes: { field: 'minutes', label: 'minutes', min: 0, max: 59 },
  hours: { field: 'hours', label: 'hours', min: 0, max: 23 },
  dayOfMonth: { field: 'dayOfMonth', label: 'day-of-month', min: 1, max: 31 },
  month: { field: 'month', label: 'month', min: 1, max: 12, names: MONTHS },
  dayOfWeek: { field: 'dayOfWeek', label: 'day-of-week', min: 1, max: 7, names: WEEKDAYS },
  year: { field: 'year', label: 'year', min: CRON_YEARS.min, max: CRON_YEARS.max },
} satisfies Record<string, FieldRule>;

class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const range = (from: number, to: number, step = 1): number[] =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);

function value(text: string, rule: FieldRule): number {
  const named = rule.names?.indexOf(text) ?? -1;
  if (named >= 0) return named + 1;
  if (!/^\d+$/.test(text)) {
    const names = rule.names ? ` or ${rule.names[0]}–${rule.names.at(-1)}` : '';
    throw new FieldError(rule.field, `"${text}" is not a number from ${rule.min} to ${rule.max}${names}`);
  }
  const n = Number(text);
  if (n < rule.min || n > rule.max) {
    throw new FieldError(rule.field, `${n} is out of range ${rule.min}–${rule.max}`);
  }
  return n;
}

/** One item of a list: `*`, `5`, `5-10`, `*\/15`, `5/15`, `5-30/15`. */
function item(text: string, rule: FieldRule, allowIncrements: boolean): number[] {
  const [base = '', step, extra] = text.split('/');
  if (extra !== undefined) throw new FieldError(rule.field, `"${text}" has more than one /`);
  let from: number;
  let to: number;
  if (base === '*') {
    [from, to] = [rule.min, rule.max];
  } else if (base.includes('-')) {
    const [a = '', b = '', more] = base.split('-');
    if (more !== undefined || !a || !b)
      throw new FieldError(rule.field, `"${text}" is not a range such as 1-5`);
    [from, to] = [value(a, rule), value(b, rule)];
    if (from > to) {
      throw new FieldError(
        rule.field,
        `the range ${base} goes backwards; write it as two ranges (${a}-${rule.max},${rule.min}-${b})`,
      );
    }
  } else {
    from = value(base, rule);
    to = step === undefined ? from : rule.max;
  }
  if (step === undefined) return range(from, to);
  if (!allowIncrements) throw new FieldError(rule.field, `increments (/) are not allowed in ${rule.label}`);
  const span = rule.max - rule.min + 1;
  if (!/^\d+$/.test(step) || Number(step) < 1 || Number(step) > span) {
    throw new FieldError(rule.field, `the increment in "${text}" must be a whole number from 1 to ${span}`);
  }
  return range(from, to, Number(step));
}

function specialsProblem(part: string, rule: FieldRule): string {
  if (rule === RULES.dayOfMonth)
    return `"${part}": L, LW and nW (e.g. 15W) stand alone, not in a list or range`;
  if (rule === RULES.dayOfWeek) {
    if (/W/.test(WEEKDAYS.reduce((t, name) => t.replaceAll(name, ''), part))) {
      return `"${part}": W is only allowed in day-of-month`;
    }
    return `"${part}": L, nL (6L: the last Friday) and n#k (3#2: the second Tuesday) stand alone, not in a list or range`;
  }
  return `"${part}": L, W and # are not allowed in ${rule.label}`;
}

function list(text: string, rule: FieldRule, allowIncrements = true): number[] {
  if (text === '?') {
    throw new FieldError(rule.field, '? is only allowed in day-of-month or day-of-week');
  }
  const values = new Set<number>();
  for (const part of text.split(',')) {
    if (!part) throw new FieldError(rule.field, `"${text}" has an empty list item`);
    const bare = (rule.names ?? []).reduce((t, name) => t.replaceAll(name, ''), part);
    if (/[LW#]/.test(bare)) throw new FieldError(rule.field, specialsProblem(part, rule));
    for (const v of item(part, rule, allowIncrements)) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

function dayOfMonth(text: string): DayOfMonth {
  const rule = RULES.dayOfMonth;
  if (text === '?') return { kind: 'any' };
  if (text === 'L') return { kind: 'last' };
  if (text === 'LW') return { kind: 'last-weekday' };
  const weekday = /^(\d+)W$/.exec(text);
  if (weekday) return { kind: 'nearest-weekday', day: value(weekday[1]!, rule) };
  if (text.includes('#')) throw new FieldError(rule.field, '# is only allowed in day-of-week');
  return { kind: 'days', days: list(text, rule) };
}

function dayOfWeek(text: string): DayOfWeek {
  const rule = RULES.dayOfWeek;
  if (text === '?') return { kind: 'any' };
  // Quartz's reading, which EventBridge's docs echo: L alone is the last day of the week, Saturday.
  if (text === 'L') return { kind: 'days', days: [7] };
  if (text.includes('#')) {
    const nth = /^([A-Z0-9]+)#(\d+)$/.exec(text);
    if (!nth) {
      throw new FieldError(
        rule.field,
        `"${text}": # takes one day and its occurrence in the month (3#2: the second Tuesday), alone in the field`,
      );
    }
    const n = Number(nth[2]);
    if (n < 1 || n > 5) throw new FieldError(rule.field, `"${text}": the occurrence after # must be 1–5`);
    return { kind: 'nth', day: value(nth[1]!, rule), nth: n };
  }
  const last = /^([A-Z0-9]+)L$/.exec(text);
  if (last) return { kind: 'last', day: value(last[1]!, rule) };
  // The documentation lists no increments for day-of-week.
  return { kind: 'days', days: list(text, rule, false) };
}

/** Parses the six fields of `cron(...)`; `body` is the text between the parentheses. */
export function parseCron(text: string, body: string): CronExpression | ExpressionIssue[] {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6 || !fields[0]) {
    return [
      {
        field: '',
        message: `cron() takes 6 fields (minutes hours day-of-month month day-of-week year), got ${fields[0] ? fields.length : 0}`,
      },
    ];
  }
  const [min, hour, dom, month, dow, year] = fields.map((f) => f.toUpperCase()) as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const issues: ExpressionIssue[] = [];
  const attempt = <T>(parse: () => T): T | undefined => {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      issues.push({ field: error.field, message: error.message });
      return undefined;
    }
  };
  const parsed = {
    minutes: attempt(() => list(min, RULES.minutes)),
    hours: attempt(() => list(hour, RULES.hours)),
    dayOfMonth: attempt(() => dayOfMonth(dom)),
    months: attempt(() => list(month, RULES.month)),
    dayOfWeek: attempt(() => dayOfWeek(dow)),
    years: attempt(() => list(year, RULES.year)),
  };
  if (dom === '?' && dow === '?') {
    issues.push({ field: '', message: 'day-of-month and day-of-week cannot both be ?; give one of them' });
  } else if (dom !== '?' && dow !== '?') {
    issues.push({
      field: '',
      message: 'day-of-month and day-of-week cannot both be given; one must be ?',
    });
  }
  const { minutes, hours, dayOfMonth: domSpec, months, dayOfWeek: dowSpec, years } = parsed;
  if (issues.length > 0 || !minutes || !hours || !domSpec || !months || !dowSpec || !years) return issues;
  const expression: CronExpression = {
    kind: 'cron',
    text,
    minutes,
    hours,
    dayOfMonth: domSpec,
    months,
    dayOfWeek: dowSpec,
    years,
  };
  const never = neverMatchingDay(expression);
  return never ? [never] : expression;
}

/** An issue when the days of the month asked for exist in none of the months asked for (30 FEB). */
function neverMatchingDay(e: CronExpression): ExpressionIssue | undefined {
  const dom = e.dayOfMonth;
  const first = dom.kind === 'days' ? dom.days[0] : dom.kind === 'nearest-weekday' ? dom.day : undefined;
  if (first === undefined) return undefined;
  const longest = Math.max(...e.months.map((m) => daysInMonth(2000, m)));
  if (first <= longest) return undefined;
  const names = e.months.map((m) => MONTHS[m - 1]).join(',');
  return { field: 'dayOfMonth', message: `day ${first} never occurs in the months given (${names})` };
}

/** `0-5,10,20-22`: a sorted list of values in croner's notation. */
function compact(values: number[], shift = 0): string {
  const runs: string[] = [];
  for (let i = 0; i < values.length;) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j]! + 1) j++;
    const [a, b] = [values[i]! + shift, values[j]! + shift];
    runs.push(a === b ? String(a) : `${a}-${b}`);
    i = j + 1;
  }
  return runs.join(',');
}

/**
 * The expression in croner's 7-field pattern (seconds first, year last), to be used with
 * `domAndDow: true`: croner reads `?` as `*` and would OR the two day fields otherwise. Croner's
 * day-of-week is 0–6 with Sunday = 0, EventBridge's 1–7 with Sunday = 1.
 */
export function toCronerPattern(e: CronExpression): string {
  const dom = e.dayOfMonth;
  const dow = e.dayOfWeek;
  let domText: string;
  switch (dom.kind) {
    case 'any':
      domText = '*';
      break;
    case 'days':
      domText = compact(dom.days);
      break;
    case 'last':
      domText = 'L';
      break;
    case 'last-weekday':
      domText = 'LW';
      break;
    case 'nearest-weekday':
      domText = `${dom.day}W`;
      break;
  }
  let dowText: string;
  switch (dow.kind) {
    case 'any':
      dowText = '*';
      break;
    case 'days':
      dowText = compact(dow.days, -1);
      break;
    case 'nth':
      dowText = `${dow.day - 1}#${dow.nth}`;
      break;
    case 'last':
      dowText = `${dow.day - 1}#L`;
      break;
  }
  return [
    '0',
    compact(e.minutes),
    compact(e.hours),
    domText,
    compact(e.months),
    dowText,
    compact(e.years),
  ].join(' ');
}
