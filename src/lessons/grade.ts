// Checks a student's answer to a lesson question: a knowledge question against its right choice, a fact question
// against the student's own connection. Pure; no Node imports (the dashboard grades the same way).
import { evaluateFact } from './facts.js';
import { sameAnswer } from './normalize.js';
import { FACTS, type AnswerInput, type Question } from './schema.js';
import type { ConnectionView } from './view.js';

export type Grade =
  | { status: 'correct' | 'wrong'; answer: string; expected: string; explain?: string }
  /** The connection cannot answer this question (the step did not happen, it is still open, …): why. */
  | { status: 'unavailable'; reason: string };

/** How the panel asks for the answer, and what it offers to choose from (from the connection where it can). */
export interface QuestionForm {
  input: AnswerInput;
  options: string[];
}

export function questionForm(q: Question, view: ConnectionView | null): QuestionForm {
  if (q.kind === 'choice') return { input: 'choice', options: [...q.choices] };
  const input = FACTS[q.fact].input;
  if (input !== 'choice' || view === null) return { input, options: input === 'yes-no' ? ['yes', 'no'] : [] };
  const v = evaluateFact(q, view);
  return { input, options: 'value' in v ? v.options : [] };
}

/** `leg:step` (e.g. `upstream:3`), as the panel sends a click on a ladder step; `3 upstream` is read the same. */
function stepAnswer(answer: string): string | null {
  const m = /^\s*(client|upstream)\D*([1-8])\s*$/i.exec(answer) ?? /^\s*([1-8])\D*(client|upstream)\s*$/i.exec(answer);
  if (m === null) return null;
  const [a, b] = [m[1], m[2]];
  return /^[1-8]$/.test(a) ? `${b.toLowerCase()}:${a}` : `${a.toLowerCase()}:${b}`;
}

export function gradeAnswer(q: Question, answer: string, view: ConnectionView | null): Grade {
  const explain = q.explain !== undefined ? { explain: q.explain } : {};
  if (q.kind === 'choice') {
    const expected = q.choices[q.answer];
    const index = /^\s*\d+\s*$/.test(answer) ? Number(answer) : -1;
    const picked = index >= 0 && index < q.choices.length ? q.choices[index] : answer;
    return { status: picked.trim() === expected.trim() ? 'correct' : 'wrong', answer: picked, expected, ...explain };
  }
  if (view === null) return { status: 'unavailable', reason: 'This question is about one of your connections: make it first.' };
  const fact = evaluateFact(q, view);
  if ('unavailable' in fact) return { status: 'unavailable', reason: fact.unavailable };
  const correct = FACTS[q.fact].input === 'step' ? stepAnswer(answer) === fact.value : sameAnswer(answer, fact.value);
  return { status: correct ? 'correct' : 'wrong', answer, expected: fact.value, ...explain };
}
