// Collects a key schedule's inputs and steps: each step is computed when all it needs is known, otherwise taken from
// the key log when the log has it, otherwise marked unknown with the reason. Pure; node:crypto for HMAC.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ScheduleInput, ScheduleStep, ValueSource } from './types';

const hex = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex'));

const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && timingSafeEqual(a, b);

export type StepSpec = Omit<ScheduleStep, 'hex' | 'source' | 'keyLog' | 'wire' | 'why'>;

export class ScheduleBuilder {
  readonly inputs: ScheduleInput[] = [];
  readonly steps: ScheduleStep[] = [];
  private readonly values = new Map<string, Buffer>();

  input(id: string, name: string, value: Uint8Array | null, source: ValueSource, extra: { messages?: string[]; why?: string } = {}): void {
    this.inputs.push({ id, name, hex: hex(value), source: value === null ? 'unknown' : source, ...extra });
    if (value !== null) this.values.set(id, Buffer.from(value));
  }

  get(id: string): Buffer | null {
    return this.values.get(id) ?? null;
  }

  /**
   * A step: `compute` runs when every id in `spec.from` is known. `keyLog`: the key log's value for it (compared
   * when computed, used when not). `wire`: a value a message carries (compared). `why`: said when it stays unknown.
   */
  step(
    spec: StepSpec,
    compute: (v: Buffer[]) => Buffer,
    opts: { keyLog?: { label: string; value: Buffer | null }; wire?: { message: string; value: Uint8Array | null }; why?: string } = {},
  ): Buffer | null {
    const ins = spec.from.map((id) => this.values.get(id) ?? null);
    const computed = ins.every((x) => x !== null) ? compute(ins) : null;
    const logged = opts.keyLog?.value ?? null;
    const value = computed ?? logged;
    const step: ScheduleStep = { ...spec, hex: hex(value), source: computed !== null ? 'computed' : logged !== null ? 'key-log' : 'unknown' };
    if (computed !== null && logged !== null && opts.keyLog) step.keyLog = { label: opts.keyLog.label, matches: same(computed, logged) };
    if (value !== null && opts.wire?.value) step.wire = { message: opts.wire.message, matches: same(value, opts.wire.value) };
    if (value === null) step.why = opts.why ?? `needs ${spec.from.filter((id, i) => ins[i] === null).join(', ')}, which tlslab does not have`;
    this.steps.push(step);
    if (value !== null) this.values.set(spec.id, value);
    return value;
  }
}

export function hmac(hash: string, key: Uint8Array, data: Uint8Array): Buffer {
  return createHmac(hash, key).update(data).digest();
}
