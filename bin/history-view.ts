/**
 * `greenlight history ID`: the deployment's events as a compact table, the gate's verdicts with
 * green's and blue's figures side by side; `--verbose` prints every event's full sentence instead.
 */
import type { DeploymentEvent } from '../shared/domain/deployment';
import { figuresText, isVerdictEvent, verdictOfEvent } from './status-view';
import { textTable } from './text-table';

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);
const truncate = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** What a verdict was about: "step 2", "bake", "test traffic" (the start of its message). */
function subjectOf(event: DeploymentEvent): string {
  return /^(.*?) (?:passed|failed|promoted):/.exec(event.message)?.[1] ?? '';
}

/** One row per event; verdicts fill the step, verdict, figures and decision columns. */
export function historyTable(events: readonly DeploymentEvent[]): string {
  if (events.length === 0) return 'no events yet\n';
  const rows = events.map((event) => {
    if (!isVerdictEvent(event)) {
      return [clock(event.at), event.type, '', '', '', '', truncate(event.message, 80)];
    }
    const verdict = verdictOfEvent(event);
    return [
      clock(event.at),
      event.type,
      subjectOf(event),
      verdict.verdict,
      figuresText(verdict.colors.green),
      figuresText(verdict.colors.blue),
      `${verdict.decision}${verdict.reason ? `: ${truncate(verdict.reason, 60)}` : ''}`,
    ];
  });
  const date = new Date(events[0]!.at).toISOString().slice(0, 10);
  return `${textTable([`time (${date} UTC)`, 'event', 'step', 'verdict', 'green', 'blue', 'decision / detail'], rows)}\n`;
}

/** Every event as its full sentence, verdicts followed by each color's figures. */
export function historySentences(events: readonly DeploymentEvent[]): string {
  if (events.length === 0) return 'no events yet\n';
  const width = Math.max(...events.map((e) => e.type.length));
  return events
    .map((event) => {
      const line = `${new Date(event.at).toISOString()}  ${event.type.padEnd(width)}  ${event.message}\n`;
      if (!isVerdictEvent(event)) return line;
      const { colors } = verdictOfEvent(event);
      const pad = ' '.repeat(26 + width);
      return `${line}${pad}green ${figuresText(colors.green)}\n${pad}blue  ${figuresText(colors.blue)}\n`;
    })
    .join('');
}
