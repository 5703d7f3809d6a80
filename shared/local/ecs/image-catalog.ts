/**
 * The local image catalog: what an image reference (`repo:tag`) runs as on a laptop, since the
 * rehearsal has no container engine. Image environment is "baked in"; the task definition's
 * environment overrides it, like Docker.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { InvalidInputError } from '../../domain/errors';
import { parseInput } from '../../domain/validation';

/** How an image runs locally: the bundled demo app or demo job, or a command line (argv). */
export interface LocalImage {
  command: 'demo-app' | 'demo-job' | string[];
  environment?: Record<string, string>;
}

/** An executable and its arguments, ready for child_process.spawn. */
export interface CommandLine {
  file: string;
  args: string[];
}

const LocalImageSchema = z.strictObject({
  command: z.union([z.literal('demo-app'), z.literal('demo-job'), z.array(z.string().min(1)).min(1)]),
  environment: z.record(z.string(), z.string()).optional(),
});

const CatalogSchema = z.record(z.string().min(1), LocalImageSchema);

/** The images the rehearsal knows out of the box: one per behaviour the health gate must judge. */
export const DEFAULT_IMAGE_CATALOG: Readonly<Record<string, LocalImage>> = Object.freeze({
  'greenlight/demo-app:v1': { command: 'demo-app', environment: { VERSION: 'v1' } },
  'greenlight/demo-app:v2': { command: 'demo-app', environment: { VERSION: 'v2' } },
  'greenlight/demo-app:v3-faulty': { command: 'demo-app', environment: { VERSION: 'v3', ERROR_RATE: '0.2' } },
  'greenlight/demo-app:v4-slow': { command: 'demo-app', environment: { VERSION: 'v4', LATENCY_MS: '1500' } },
  'greenlight/demo-app:v5-unhealthy': {
    command: 'demo-app',
    environment: { VERSION: 'v5', HEALTHY: 'false' },
  },
  // Healthy and serving, then exits 1 after 30 requests (health checks do not count), and so does
  // every replacement: a release that looks fine until its tasks die, which the stops signal sees.
  'greenlight/demo-app:v6-crashing': {
    command: 'demo-app',
    environment: { VERSION: 'v6', CRASH_AFTER_REQUESTS: '30', CRASH_EXIT_CODE: '1' },
  },
  // Healthy, but resets the connection of every request instead of answering: the balancer
  // answers 502 itself, which CloudWatch counts per load balancer only (HTTPCode_ELB_502_Count).
  'greenlight/demo-app:v7-resets': {
    command: 'demo-app',
    environment: { VERSION: 'v7', RESET_RATE: '1' },
  },
  // Scheduled tasks: the demo job (its command picks `job` or `log-sidecar`, see demo-job/job.ts).
  'greenlight/demo-job:v1': { command: 'demo-job' },
  'greenlight/log-router:v1': { command: 'demo-job', environment: { JOB_NAME: 'log-router' } },
});

/** Absolute path of the bundled demo app's entry point. */
export const DEMO_APP_ENTRY = path.join(__dirname, 'demo-app', 'server.ts');

/**
 * Command line of the bundled demo app. tsx's loader is resolved from this package (as a file
 * URL) so the child starts the same way from any working directory.
 */
export function demoAppCommandLine(): CommandLine {
  const tsxLoader = pathToFileURL(require.resolve('tsx')).href;
  return { file: process.execPath, args: ['--import', tsxLoader, DEMO_APP_ENTRY] };
}

/** Absolute path of the bundled demo job's entry point. */
export const DEMO_JOB_ENTRY = path.join(__dirname, 'demo-job', 'job.ts');

/** Command line of the bundled demo job (started like the demo app). */
export function demoJobCommandLine(): CommandLine {
  const tsxLoader = pathToFileURL(require.resolve('tsx')).href;
  return { file: process.execPath, args: ['--import', tsxLoader, DEMO_JOB_ENTRY] };
}

/** Maps image references to local commands. */
export class ImageCatalog {
  private readonly images: Map<string, LocalImage>;

  constructor(entries: Record<string, LocalImage> = DEFAULT_IMAGE_CATALOG) {
    const parsed = parseInput(CatalogSchema, entries, 'catalog');
    this.images = new Map(Object.entries(parsed));
  }

  /** Loads a catalog from a JSON file shaped `{ "repo:tag": { command, environment? } }`. */
  static fromFile(file: string, options: { includeDefaults?: boolean } = {}): ImageCatalog {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new InvalidInputError(`image catalog ${file} is not readable JSON: ${(err as Error).message}`);
    }
    const entries = parseInput(CatalogSchema, raw, 'catalog');
    return new ImageCatalog(options.includeDefaults ? { ...DEFAULT_IMAGE_CATALOG, ...entries } : entries);
  }

  /** The image's local definition; throws InvalidInputError for an image the catalog lacks. */
  resolve(image: string): LocalImage {
    const found = this.images.get(image);
    if (!found) {
      throw new InvalidInputError(
        `image "${image}" is not in the local image catalog (known: ${this.known().join(', ') || 'none'})`,
        [{ path: 'image', message: 'not in the local image catalog' }],
      );
    }
    return {
      command: Array.isArray(found.command) ? [...found.command] : found.command,
      environment: { ...found.environment },
    };
  }

  /** Whether the catalog knows the image. */
  has(image: string): boolean {
    return this.images.has(image);
  }

  /** The known image references, sorted. */
  known(): string[] {
    return [...this.images.keys()].sort();
  }

  /** What to spawn for an image. */
  commandLine(image: string): CommandLine {
    const { command } = this.resolve(image);
    if (command === 'demo-app') return demoAppCommandLine();
    if (command === 'demo-job') return demoJobCommandLine();
    const [file, ...args] = command;
    return { file: file as string, args };
  }
}
