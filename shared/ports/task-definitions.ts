/** Task definitions as alerts read them (DescribeTaskDefinition on AWS). */
import type { TaskDefinitionSummary } from '../domain/alerts/enrichment';

export type { TaskDefinitionSummary };

export interface TaskDefinitions {
  /** The revision's containers and log settings; null when ECS does not know the ARN. */
  describe(taskDefinitionArn: string): Promise<TaskDefinitionSummary | null>;
}
