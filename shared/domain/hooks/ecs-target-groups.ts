/**
 * Which of an ECS blue/green service's two target groups serves the new service revision. ECS
 * alternates them from one deployment to the next, and DescribeServices names the pair
 * (`loadBalancers[].targetGroupArn` and `advancedConfiguration.alternateTargetGroupArn`) without
 * saying which one the new revision is in. The hook's event says what share of test and production
 * traffic the new revision has; a listener rule's forward weights say what share each target group
 * has: the target group whose share is the new revision's (and the other one's the rest) is it.
 */
import { stageShare, type EcsHookEvent, type Parsed } from './ecs-hook-event';

/** One load balancer entry of the service, with the listener rules ECS moves. */
export interface EcsBlueGreenRoute {
  targetGroup: string;
  alternateTargetGroup: string;
  productionListenerRule: string | null;
  testListenerRule: string | null;
}

/** A listener rule's forward weights by target group, and the new revision's share of that traffic. */
export interface RuleReading {
  rule: 'test' | 'production';
  weights: Record<string, number>;
  /** The new revision's percentage of the traffic this rule carries, from the hook's event. */
  newPercent: number;
}

export interface NewRevisionTargetGroups {
  live: string;
  new: string;
  /** Which rule told them apart. */
  by: 'test' | 'production';
}

const TOLERANCE_PERCENT = 0.5;

/** A listener rule to read and the new revision's share of the traffic it carries. */
export interface RuleToRead {
  rule: 'test' | 'production';
  arn: string;
  newPercent: number;
}

/**
 * The rules to read, in order, each with the new revision's share at this stage (stageShare): the
 * rules whose share the event or the stage states first; then, from the production shift on, the
 * test rule at 100 %, which assumes that the test listener rule stays on the new revision until the
 * deployment ends (the docs' stage descriptions suggest it; they do not state it).
 */
export function rulesToRead(
  event: EcsHookEvent,
  route: Pick<EcsBlueGreenRoute, 'testListenerRule' | 'productionListenerRule'>,
): RuleToRead[] {
  const rules: RuleToRead[] = [];
  const test = stageShare(event, 'test');
  const production = stageShare(event, 'production');
  if (route.testListenerRule && test !== null) {
    rules.push({ rule: 'test', arn: route.testListenerRule, newPercent: test });
  }
  if (route.productionListenerRule && production !== null) {
    rules.push({ rule: 'production', arn: route.productionListenerRule, newPercent: production });
  }
  if (route.testListenerRule && test === null) {
    rules.push({ rule: 'test', arn: route.testListenerRule, newPercent: 100 });
  }
  return rules;
}

/**
 * The new revision's target group and the live one's, from the first reading that tells them apart:
 * a share that matches one target group and not the other (50 / 50 tells nothing). Null readings
 * are skipped. A route whose rules name neither target group, or contradict the event, is an error.
 */
export function newRevisionTargetGroups(
  route: Pick<EcsBlueGreenRoute, 'targetGroup' | 'alternateTargetGroup'>,
  readings: RuleReading[],
): Parsed<NewRevisionTargetGroups> {
  const pair = [route.targetGroup, route.alternateTargetGroup] as const;
  const tried: string[] = [];
  for (const reading of readings) {
    const total = pair.reduce((sum, tg) => sum + (reading.weights[tg] ?? 0), 0);
    if (total <= 0) {
      tried.push(`the ${reading.rule} listener rule forwards to neither target group`);
      continue;
    }
    const share = (tg: string) => ((reading.weights[tg] ?? 0) / total) * 100;
    const matches = pair.filter((tg) => Math.abs(share(tg) - reading.newPercent) <= TOLERANCE_PERCENT);
    if (matches.length === 1) {
      const newTg = matches[0]!;
      return { ok: true, value: { new: newTg, live: pair.find((tg) => tg !== newTg)!, by: reading.rule } };
    }
    tried.push(
      matches.length === 2
        ? `the ${reading.rule} listener rule splits ${reading.newPercent} / ${100 - reading.newPercent}: both target groups match`
        : `the ${reading.rule} listener rule gives neither target group the new revision's ${reading.newPercent} %`,
    );
  }
  return {
    ok: false,
    reason: `cannot tell which target group serves the new revision: ${tried.join('; ') || 'no listener rule to read'}`,
  };
}
