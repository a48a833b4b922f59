export interface JsonLimits {
  maxDepth: number;
  maxString: number;
}

export interface LimitViolation {
  status: 400 | 413;
  message: string;
}

interface Visit {
  value: unknown;
  level: number;
  key: string | number | null;
  parent: Visit | null;
}

/**
 * Checks parsed JSON (or a query object) against the depth and string limits, and for NUL
 * characters, before any code that recurses into it runs: class-transformer would overflow the
 * stack on deep input (a 500), and PostgreSQL refuses NUL in text (another 500). Iterative, so the
 * check itself cannot overflow; paths are built only for the one violation reported.
 */
export function findLimitViolation(root: unknown, limits: JsonLimits, where: string): LimitViolation | null {
  const stack: Visit[] = [{ value: root, level: 0, key: null, parent: null }];
  while (stack.length > 0) {
    const visit = stack.pop() as Visit;
    const { value } = visit;
    if (typeof value === 'string') {
      const problem = stringProblem(value, limits, where);
      if (problem) return { status: problem.status, message: `${problem.message} at ${pathOf(visit)}` };
    } else if (value !== null && typeof value === 'object') {
      const level = visit.level + 1;
      if (level > limits.maxDepth)
        return { status: 400, message: `${where} is nested deeper than ${limits.maxDepth} levels (JSON_MAX_DEPTH) at ${pathOf(visit)}` };
      const isArray = Array.isArray(value);
      for (const [key, item] of Object.entries(value)) {
        const child: Visit = { value: item, level, key: isArray ? Number(key) : key, parent: visit };
        const problem = isArray ? null : stringProblem(key, limits, where);
        if (problem) return { status: problem.status, message: `${problem.message} at ${pathOf(child)} (a key)` };
        stack.push(child);
      }
    }
  }
  return null;
}

function stringProblem(text: string, limits: JsonLimits, where: string): LimitViolation | null {
  if (text.length > limits.maxString) {
    return { status: 413, message: `a string in ${where} is longer than ${limits.maxString} characters (JSON_MAX_STRING)` };
  }
  if (text.includes('\u0000')) return { status: 400, message: `${where} holds a NUL character (U+0000)` };
  return null;
}

const SEGMENT_SHOWN = 40;

function pathOf(visit: Visit): string {
  const segments: string[] = [];
  for (let at = visit; at.parent !== null; at = at.parent) {
    const key = String(at.key);
    if (typeof at.key === 'number') segments.push(`[${key}]`);
    else segments.push(`${at.parent.parent === null ? '' : '.'}${key.length > SEGMENT_SHOWN ? `${key.slice(0, SEGMENT_SHOWN)}…` : key}`);
  }
  return segments.reverse().join('') || '(top level)';
}
