// A task's `try` line: a curl or openssl command a student can paste, with {proxy}, {proxyHostPort} and {ca} to fill
// in. Split into words here (quotes respected, no shell), so tests run it without a shell. Pure.

/** Programs a `try` line may run: the clients the lab pages and the docs already use. */
export const TRY_PROGRAMS = ['curl', 'openssl'] as const;

/** What the placeholders stand for. */
export const TRY_PLACEHOLDERS = {
  proxy: 'the proxy URL, e.g. http://127.0.0.1:8080',
  proxyHostPort: 'the proxy as host:port, e.g. 127.0.0.1:8080 (openssl s_client -proxy)',
  ca: "the tlslab CA certificate's file, e.g. certs/tlslab-ca.pem",
} as const;
export type TryPlaceholder = keyof typeof TRY_PLACEHOLDERS;

/** Words of a command line: whitespace separates, '…' and "…" group; returns a message when malformed. */
export function splitCommand(line: string): string[] | { error: string } {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (const ch of line) {
    if (quote !== null) {
      if (ch === quote) quote = null;
      else word += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (/[|;&<>`$\\]/.test(ch)) {
      return { error: `"${ch}" is not allowed: a try line is one command, run without a shell` };
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote !== null) return { error: `a ${quote} quote is not closed` };
  if (inWord) words.push(word);
  return words;
}

/** Problems with a try line: an unknown program or placeholder ([] = fine). */
export function checkTryLine(line: string): string[] {
  const words = splitCommand(line);
  if (!Array.isArray(words)) return [words.error];
  const problems: string[] = [];
  const program = words[0] ?? '';
  if (!(TRY_PROGRAMS as readonly string[]).includes(program)) problems.push(`the command must be ${TRY_PROGRAMS.join(' or ')}, not "${program.slice(0, 40)}"`);
  for (const m of line.matchAll(/\{([^}]*)\}/g)) {
    if (!Object.hasOwn(TRY_PLACEHOLDERS, m[1])) problems.push(`unknown placeholder {${m[1]}} (known: ${Object.keys(TRY_PLACEHOLDERS).map((k) => `{${k}}`).join(', ')})`);
  }
  return problems;
}

/** The command's words with the placeholders filled in. */
export function fillTryLine(line: string, values: Record<TryPlaceholder, string>): string[] {
  const words = splitCommand(line);
  if (!Array.isArray(words)) throw new Error(words.error);
  return words.map((w) => w.replace(/\{(proxy|proxyHostPort|ca)\}/g, (_, k: TryPlaceholder) => values[k]));
}
