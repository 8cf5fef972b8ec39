// Typed reading of a parsed front matter, collecting one error per fault with the file line of the value at fault
// (closest-name hints for misspelt keys and values). Pure: values in, values and errors out.
import type { LessonStep } from '../events/schema.js';
import type { YamlPath } from './front-matter';
import type { LessonError } from './parse';

export type Obj = Record<string, unknown>;

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j];
      d[j] = Math.min(cur + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length];
}

function hint(value: string, allowed: readonly string[]): string {
  const best = [...allowed].sort((x, y) => distance(value, x) - distance(value, y))[0];
  return best !== undefined && distance(value, best) <= Math.max(2, Math.floor(best.length / 3)) ? ` (did you mean "${best}"?)` : '';
}

const show = (v: unknown): string => JSON.stringify(v)?.slice(0, 80) ?? String(v);

export class Reader {
  readonly errors: LessonError[] = [];

  constructor(
    private readonly file: string,
    private readonly lineOf: (path: YamlPath, key?: boolean) => number,
  ) {}

  fail(path: YamlPath, message: string, key = false): void {
    this.errors.push({ file: this.file, line: this.lineOf(path, key), message: `${pathText(path)}${message}` });
  }

  obj(v: unknown, path: YamlPath): Obj | null {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Obj;
    this.fail(path, v === undefined || v === null ? 'is missing (a map of keys is expected)' : `must be a map of keys, not ${show(v)}`);
    return null;
  }

  /** Reports keys not in `allowed`. */
  keys(o: Obj, path: YamlPath, allowed: readonly string[]): void {
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) this.fail([...path, k], `unknown key "${k}"${hint(k, allowed)}; allowed: ${allowed.join(', ')}`, true);
    }
  }

  str(v: unknown, path: YamlPath): string | null {
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
    this.fail(path, v === undefined || v === null ? 'is missing' : `must be text, not ${show(v)}${colonHint(v)}`);
    return null;
  }

  /** A required text field of `o` (the last path element is the key). */
  string(o: Obj, path: YamlPath): string | null {
    return this.str(o[path[path.length - 1] as string], path);
  }

  optString(o: Obj, path: YamlPath): string | undefined {
    const v = o[path[path.length - 1] as string];
    return v === undefined ? undefined : (this.str(v, path) ?? undefined);
  }

  bool(v: unknown, path: YamlPath): boolean | null {
    if (typeof v === 'boolean') return v;
    this.fail(path, `must be true or false, not ${show(v)}`);
    return null;
  }

  step(v: unknown, path: YamlPath): LessonStep | null {
    if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 8) return v as LessonStep;
    this.fail(path, `must be a step of the eight-step story, 1 to 8, not ${show(v)}`);
    return null;
  }

  oneOf<T extends string>(v: unknown, path: YamlPath, allowed: readonly T[], what: string): T | null {
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
    const text = typeof v === 'string' ? `"${v.slice(0, 80)}"` : show(v);
    const list = allowed.length <= 24 ? `; one of: ${allowed.join(', ')}` : '';
    this.fail(path, `${text} is not a known ${what}${typeof v === 'string' ? hint(v, allowed) : ''}${list}`);
    return null;
  }

  /** A list under key path[-1] of `o`; `required`: missing or empty is an error. Items that fail are left out. */
  list<T>(o: Obj, path: YamlPath, item: (v: unknown, p: YamlPath) => T | null, required = true): T[] {
    const v = o[path[path.length - 1] as string];
    if (v === undefined || v === null) {
      if (required) this.fail(path, 'is missing (a list is expected)');
      return [];
    }
    if (!Array.isArray(v)) {
      this.fail(path, `must be a list ("- item" lines, or [a, b]), not ${show(v)}`);
      return [];
    }
    if (required && v.length === 0) this.fail(path, 'must not be empty');
    const out: T[] = [];
    v.forEach((x: unknown, i) => {
      const r = item(x, [...path, i]);
      if (r !== null) out.push(r);
    });
    return out;
  }
}

/** Text with ": " in it reads as a map in YAML: say so. */
function colonHint(v: unknown): string {
  const keys = v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v) : [];
  return keys.length === 1 && /\s/.test(keys[0]) ? ' (in YAML a colon followed by a space starts a map: put the text in quotes)' : '';
}

/** `tasks[0].when.lab: ` — where in the front matter, for the message. */
function pathText(path: YamlPath): string {
  if (path.length === 0) return '';
  const text = path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${p}`)).join('');
  return `${text}: `;
}
