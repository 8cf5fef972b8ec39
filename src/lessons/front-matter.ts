// Splits a lesson file into its YAML front matter and Markdown body, parses the YAML (the `yaml` package, YAML 1.2
// core schema) and maps a path inside it back to a line of the file. Pure: text in, values out.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';

/** A path into the front matter: map keys and sequence indexes. */
export type YamlPath = readonly (string | number)[];

export interface FrontMatter {
  /** The front matter as plain values (maps, lists, strings, numbers, booleans). */
  data: unknown;
  /** The Markdown after the closing `---`. */
  body: string;
  /** 1-based line of the file where the body starts. */
  bodyLine: number;
  /** The file line of the value at `path` (`key`: of the key itself), or of its nearest parent that exists. */
  lineOf: (path: YamlPath, key?: boolean) => number;
}

export type FrontMatterResult = { ok: true; value: FrontMatter } | { ok: false; errors: { line: number; message: string }[] };

/**
 * `---` on the first line, YAML, `---` on a line of its own, then Markdown (the Jekyll/Hugo convention).
 * YAML errors (syntax, duplicate keys, tabs) come back with the file line they are on.
 */
export function splitFrontMatter(text: string): FrontMatterResult {
  const src = text.replace(/^\uFEFF/, '');
  const lines = src.split(/\r?\n/);
  if (lines[0]?.trim() !== '---') {
    return { ok: false, errors: [{ line: 1, message: 'a lesson starts with a line "---", then its YAML front matter, then "---" and the Markdown explanation' }] };
  }
  const close = lines.findIndex((l, i) => i > 0 && /^(---|\.\.\.)\s*$/.test(l));
  if (close === -1) return { ok: false, errors: [{ line: 1, message: 'the front matter is never closed: add a line "---" after it' }] };
  const yamlText = lines.slice(1, close).join('\n');
  const lineCounter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter, uniqueKeys: true, prettyErrors: false });
  /** The YAML starts on line 2 of the file. */
  const fileLine = (offset: number): number => Math.max(1, lineCounter.linePos(offset).line) + 1;
  if (doc.errors.length > 0) {
    return { ok: false, errors: doc.errors.map((e) => ({ line: fileLine(e.pos[0]), message: `YAML: ${firstLine(e.message)}` })) };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 0 }) as unknown;
  } catch (err) {
    return { ok: false, errors: [{ line: 2, message: `YAML: ${firstLine((err as Error).message)} (lessons do not use anchors and aliases)` }] };
  }
  return {
    ok: true,
    value: {
      data,
      body: lines.slice(close + 1).join('\n'),
      bodyLine: close + 2,
      lineOf: (path, key = false) => fileLine(offsetOf(doc, path, key)),
    },
  };
}

function firstLine(message: string): string {
  return message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? message;
}

/** Start offset of the node at `path` (or of its key), falling back to the deepest existing parent. */
function offsetOf(doc: Document, path: YamlPath, key: boolean): number {
  let node: unknown = doc.contents;
  let best = rangeStart(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const step = path[i];
    let next: unknown;
    let keyNode: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === step);
      next = pair?.value;
      keyNode = pair?.key;
    } else if (isSeq(node) && typeof step === 'number') {
      next = node.items[step];
    }
    if (key && i === path.length - 1 && keyNode !== undefined) return rangeStart(keyNode) ?? best;
    const start = rangeStart(next) ?? rangeStart(keyNode);
    if (start === undefined) return best;
    best = start;
    node = next;
  }
  return best;
}

function rangeStart(n: unknown): number | undefined {
  return n !== null && typeof n === 'object' && 'range' in n ? ((n as Node).range?.[0] ?? undefined) : undefined;
}
