import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * The tree's two rules, checked on the source itself: imports run one way (a process role builds
 * on the executions core, the core on the foundations, never back), and file names follow one rule.
 */
const SRC = __dirname;

const ROLES = ['executions-api', 'live', 'worker'];
const FOUNDATIONS = [
  'audit',
  'auth',
  'common',
  'config',
  'database',
  'http-security',
  'logging',
  'metrics',
  'permissions',
  'queue',
  'rate-limits',
  'task-registry',
  // Quotas on grants and tokens (SPEC 7.13): their shape and the counting across processes.
  'quotas',
  // Sensitive kwargs: the cipher and the per-task seal/open; it reads task definitions, never the core.
  'secrets',
  // Completion webhooks: URL policy, signing, the delivery queue, its worker and log. It never
  // reads the core: the core hands it the rendered body, and the worker role loads its consumer.
  'webhooks',
];
/** Features that compose others: free to import anything but the process roles. */
const FEATURES = ['admin', 'approvals', 'reconciler', 'retention', 'health', 'cli', 'demo', 'docs'];
/** The one part of the core a foundation may know: the records' shape (ability rules, entity list). */
const CORE_SHAPE = ['executions/execution.entity.ts', 'executions/execution-status.ts', 'approvals/execution-vote.entity.ts'];

/**
 * The seed APIs (SPEC 8): the outermost layer, adapters over the API role's pieces (the upload
 * submission, the socket's dialect). Nothing imports them; they never reach the worker.
 */
const ADAPTERS = ['compat'];

/** Folders each folder must not import from. */
const FORBIDDEN: Record<string, string[]> = {
  ...Object.fromEntries(FOUNDATIONS.map((folder) => [folder, ['executions', ...ROLES, ...FEATURES, ...ADAPTERS]])),
  executions: [...ROLES, ...FEATURES, ...ADAPTERS],
  'executions-api': ['live', 'worker', ...FEATURES, ...ADAPTERS],
  live: ['executions-api', 'worker', ...FEATURES, ...ADAPTERS],
  worker: ['executions-api', 'live', ...FEATURES, ...ADAPTERS],
  ...Object.fromEntries(FEATURES.map((folder) => [folder, [...ROLES, ...ADAPTERS]])),
  compat: ['worker', ...FEATURES],
};

const ROLE_SUFFIXES = [
  'module',
  'controller',
  'service',
  'gateway',
  'guard',
  'interceptor',
  'strategy',
  'subscriber',
  'filter',
  'pipe',
  'adapter',
  'middleware',
  'indicator',
  'entity',
  'dto',
  'query',
  'decorator',
  'command',
  'commands',
  'tasks',
];
const FILE_NAME = new RegExp(`^[a-z0-9-]+(\\.(${ROLE_SUFFIXES.join('|')}))?(\\.spec)?\\.ts$`);
const MIGRATION_NAME = /^\d{13}-[A-Z][A-Za-z]+\.ts$/;

/** Class decorators whose classes are named `<Name><Role>` and live in `<name>.<role>.ts`. */
const ROLE_OF_DECORATOR: Record<string, string> = {
  Module: 'module',
  Controller: 'controller',
  WebSocketGateway: 'gateway',
  Catch: 'filter',
  EventSubscriber: 'subscriber',
};
const INJECTABLE_ROLES = ['Service', 'Guard', 'Interceptor', 'Strategy', 'Pipe', 'Indicator', 'Subscriber', 'Tasks'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function topFolder(path: string): string | undefined {
  const parts = relative(SRC, path).split(sep);
  return parts.length > 1 ? parts[0] : undefined;
}

/** Relative imports of a file (value and type imports alike), resolved to source paths. */
export function importsOf(file: string, text = readFileSync(file, 'utf8')): string[] {
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'";]*?from\s+'(\.{1,2}\/[^']+)'/g)].map((match) => match[1]);
  return specifiers.map((specifier) => resolve(dirname(file), specifier) + '.ts');
}

const kebab = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

/** The file name a decorated class must have, or undefined when no rule applies to it. */
export function expectedFileName(decorator: string, className: string): string | undefined {
  if (decorator === 'Entity') return `${kebab(className)}.entity.ts`;
  const role =
    ROLE_OF_DECORATOR[decorator] ??
    (decorator === 'Injectable' ? INJECTABLE_ROLES.find((r) => className.endsWith(r))?.toLowerCase() : undefined);
  if (decorator !== 'Injectable' && !role) return undefined;
  if (!role) return `${kebab(className)}.ts`;
  const stem = className.slice(0, -role.length);
  return `${kebab(stem)}.${role}.ts`;
}

/** Each exported class with the decorators written above it (a line at a time: no regex backtracking over a file). */
function decoratedClasses(text: string): Array<{ decorator: string; className: string }> {
  const lines = text.split('\n');
  return lines.flatMap((line, index) => {
    const className = /^export (?:abstract )?class (\w+)/.exec(line)?.[1];
    if (!className) return [];
    const found: Array<{ decorator: string; className: string }> = [];
    for (let above = index - 1; above >= 0 && !/^(export|import|const|function|\}$|$)/.test(lines[above]); above--) {
      const decorator = /^@(\w+)\(/.exec(lines[above])?.[1];
      if (decorator) found.push({ decorator, className });
    }
    return found;
  });
}

const files = sourceFiles(SRC).filter((file) => !file.endsWith('.spec.ts'));

describe('import direction', () => {
  it('places every folder of src/ in a layer', () => {
    const folders = new Set(files.map(topFolder).filter((folder) => folder !== undefined));
    const known = new Set(Object.keys(FORBIDDEN));
    expect([...folders].filter((folder) => !known.has(folder))).toEqual([]);
  });

  it('reads the imports it checks', () => {
    const imports = importsOf(join(SRC, 'worker/worker.module.ts')).map((path) => relative(SRC, path));
    expect(imports).toContain('executions/executions.module.ts');
  });

  it('has no import against the direction api | live | worker → executions → foundations', () => {
    const violations: string[] = [];
    for (const file of files) {
      const from = topFolder(file);
      if (!from) continue;
      for (const target of importsOf(file)) {
        const to = topFolder(target);
        if (!to || !FORBIDDEN[from].includes(to)) continue;
        if (
          ['executions', 'approvals'].includes(to) &&
          !['executions', ...ROLES].includes(from) &&
          CORE_SHAPE.includes(relative(SRC, target))
        )
          continue;
        violations.push(`${relative(SRC, file)} imports ${relative(SRC, target)}`);
      }
    }
    expect(violations).toEqual([]);
  });
});

describe('file names', () => {
  it('are kebab-case, with a dot only before a Nest role', () => {
    const wrong = sourceFiles(SRC)
      .map((file) => relative(SRC, file))
      .filter((path) => {
        const name = path.split(sep).pop()!;
        return !FILE_NAME.test(name) && !(path.includes(`migrations${sep}`) && MIGRATION_NAME.test(name));
      });
    expect(wrong).toEqual([]);
  });

  it('match the provider, controller, module or entity they hold', () => {
    const wrong: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const { decorator, className } of decoratedClasses(text)) {
        const expected = expectedFileName(decorator, className);
        const actual = file.split(sep).pop();
        if (expected && expected !== actual) wrong.push(`${relative(SRC, file)}: ${className} belongs in ${expected}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('finds the decorators above a class, across lines', () => {
    const text = ['/** doc */', "@ApiTags('x')", '@Controller({', "  path: 'x',", '})', 'export class XController {}'].join('\n');
    expect(decoratedClasses(text)).toEqual([
      { decorator: 'Controller', className: 'XController' },
      { decorator: 'ApiTags', className: 'XController' },
    ]);
  });

  it('derives names the way the rule says', () => {
    expect(expectedFileName('Injectable', 'ExecutionsQueryService')).toBe('executions-query.service.ts');
    expect(expectedFileName('Injectable', 'ExecutionRecorder')).toBe('execution-recorder.ts');
    expect(expectedFileName('Controller', 'TasksController')).toBe('tasks.controller.ts');
    expect(expectedFileName('Entity', 'ApiToken')).toBe('api-token.entity.ts');
    expect(expectedFileName('ApiProperty', 'Whatever')).toBeUndefined();
  });
});
