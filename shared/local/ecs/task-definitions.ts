/**
 * Local task definitions: JSON shaped like ECS task definitions, registered as `family:revision`
 * with revisions counting up per family, like RegisterTaskDefinition.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { InvalidInputError } from '../../domain/errors';
import { parseInput } from '../../domain/validation';

const ContainerDefinitionSchema = z.looseObject({
  name: z.string().min(1),
  image: z.string().min(1),
  essential: z.boolean().optional(),
  environment: z.array(z.looseObject({ name: z.string().min(1), value: z.string() })).optional(),
  portMappings: z.array(z.looseObject({ containerPort: z.number().int().min(1).max(65535) })).optional(),
});

export const TaskDefinitionSchema = z
  .looseObject({
    family: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,255}$/, 'expected 1-255 letters, digits, "-" or "_" (like an ECS family)'),
    containerDefinitions: z.array(ContainerDefinitionSchema).min(1),
  })
  .superRefine((td, ctx) => {
    const seen = new Set<string>();
    td.containerDefinitions.forEach((c, i) => {
      if (seen.has(c.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['containerDefinitions', i, 'name'],
          message: `duplicate container name "${c.name}"`,
        });
      }
      seen.add(c.name);
    });
  });

export type TaskDefinition = z.output<typeof TaskDefinitionSchema>;
export type ContainerDefinition = TaskDefinition['containerDefinitions'][number];

/**
 * The container a service puts behind the load balancer: the first one with a port mapping,
 * else the first essential one, else the first.
 */
export function serviceContainer(td: TaskDefinition): ContainerDefinition {
  const containers = td.containerDefinitions;
  const chosen =
    containers.find((c) => (c.portMappings?.length ?? 0) > 0) ??
    containers.find((c) => c.essential !== false) ??
    containers[0];
  if (!chosen) throw new InvalidInputError(`task definition family "${td.family}" has no container`);
  return chosen;
}

/** Registry of local task definition revisions. */
export class LocalTaskDefinitions {
  private readonly revisions = new Map<string, TaskDefinition>();
  private readonly latest = new Map<string, number>();

  /** Validates and registers a definition; returns its `family:revision`. */
  register(taskDefinition: unknown): string {
    const td = parseInput(TaskDefinitionSchema, taskDefinition, 'taskDefinition');
    const revision = (this.latest.get(td.family) ?? 0) + 1;
    this.latest.set(td.family, revision);
    const id = `${td.family}:${revision}`;
    this.revisions.set(id, structuredClone(td));
    return id;
  }

  /** Registers the definition stored in a JSON file. */
  registerFile(file: string): string {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new InvalidInputError(`task definition ${file} is not readable JSON: ${(err as Error).message}`);
    }
    return this.register(raw);
  }

  /** A copy of a registered revision; InvalidInputError when unknown. */
  get(id: string): TaskDefinition {
    const td = this.revisions.get(id);
    if (!td) {
      throw new InvalidInputError(
        `task definition "${id}" is not registered (known: ${this.list().join(', ') || 'none'})`,
        [{ path: 'taskDefinition', message: 'not registered' }],
      );
    }
    return structuredClone(td);
  }

  /** Whether `id` is registered. */
  has(id: string): boolean {
    return this.revisions.has(id);
  }

  /** Registered ids in registration order. */
  list(): string[] {
    return [...this.revisions.keys()];
  }

  /** Registers a copy of `fromId` with only `containerName`'s image changed; returns the new id. */
  cloneWithImage(fromId: string, containerName: string, image: string): string {
    const td = this.get(fromId);
    const container = td.containerDefinitions.find((c) => c.name === containerName);
    if (!container) {
      const known = td.containerDefinitions.map((c) => `"${c.name}"`).join(', ');
      throw new InvalidInputError(
        `container "${containerName}" is not in task definition "${fromId}" (known: ${known})`,
        [{ path: 'container', message: 'unknown container' }],
      );
    }
    if (image.trim() === '') throw new InvalidInputError('image: expected a non-empty image reference');
    container.image = image;
    return this.register(td);
  }
}
