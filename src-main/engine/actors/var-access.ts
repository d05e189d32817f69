import type { SharedLayout } from '../sync/shared-layout';
import type { BrokerRequest } from './protocol';
import { ActorFailure, type VarOps } from './interpreter';

/**
 * Variables as an actor sees them. Shared variables are 32-bit words: the run's SharedArrayBuffer
 * for threads and tasks (their writes are seen by everyone), or a private copy for a process (its
 * writes stay its own, as after fork). Managed variables live in the runner and are reached through
 * the broker, as a Manager's proxies are; each single operation is atomic there, a read followed by
 * a write is not.
 */
export class WordVars implements VarOps {
  /** Variables by name, in a Map: only declared names are found (no key of Object.prototype), and fast. */
  private readonly slots: ReadonlyMap<string, SharedLayout['vars'][string]>;

  constructor(
    private readonly words: Int32Array,
    layout: SharedLayout,
    private readonly call: (request: BrokerRequest) => Promise<unknown>,
  ) {
    this.slots = new Map(Object.entries(layout.vars));
  }

  private at(name: string, index: unknown): number | null {
    // Own properties only: a name such as `constructor` must not reach Object.prototype and alias word 0.
    const slot = this.slots.get(name);
    if (!slot) return null;
    if (!slot.array) {
      if (index !== undefined) throw new ActorFailure(`${name} is a single value, not an array`);
      return slot.offset;
    }
    const i = index === undefined ? 0 : index;
    if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= slot.length) {
      throw new ActorFailure(`index ${JSON.stringify(index)} is outside ${name} (0 to ${slot.length - 1})`);
    }
    return slot.offset + i;
  }

  read(name: string, index: unknown): unknown {
    const word = this.at(name, index);
    if (word === null) return this.call({ type: 'managed.read', name, index });
    return Atomics.load(this.words, word);
  }

  write(name: string, index: unknown, value: unknown): void | Promise<void> {
    const word = this.at(name, index);
    if (word === null) return this.call({ type: 'managed.write', name, index, value }).then(() => undefined);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < -2_147_483_648 || value > 2_147_483_647) {
      throw new ActorFailure(`${name} holds 32-bit integers; cannot write ${JSON.stringify(value)} (use a managed variable for other values)`);
    }
    Atomics.store(this.words, word, value);
  }

  wordAdder(name: string): ((delta: number) => number) | undefined {
    const slot = this.slots.get(name);
    if (!slot || slot.array) return undefined;
    const words = this.words;
    const word = slot.offset;
    return (delta) => (Atomics.add(words, word, delta) + delta) | 0;
  }

  add(name: string, index: unknown, delta: number): number | Promise<number> {
    const word = this.at(name, index);
    if (word === null) return this.call({ type: 'managed.add', name, index, delta }) as Promise<number>;
    if (!Number.isInteger(delta)) throw new ActorFailure(`${name} holds integers; cannot add ${delta}`);
    return (Atomics.add(this.words, word, delta) + delta) | 0;
  }
}
