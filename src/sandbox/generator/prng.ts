/**
 * A small seeded PRNG (sfc32). The sandbox must be reproducible from a seed, so nothing in it calls Math.random.
 */
const HEX = '0123456789abcdef';
const weightTables = new WeakMap<object, { entries: [string, number][]; total: number }>();

export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number | string) {
    const s = typeof seed === 'number' ? seed : hashString(seed);
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = s >>> 0;
    // Warm up so that nearby seeds diverge.
    for (let i = 0; i < 15; i++) this.next();
  }

  /** A float in [0, 1). */
  next(): number {
    this.a >>>= 0;
    this.b >>>= 0;
    this.c >>>= 0;
    this.d >>>= 0;
    let t = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    t = (t + this.d) | 0;
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick() from an empty list');
    return item;
  }

  /** Picks a key of `weights` with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    let table = weightTables.get(weights);
    if (!table) {
      const entries: [string, number][] = Object.entries<number>(weights);
      table = { entries, total: entries.reduce((sum, [, w]) => sum + w, 0) };
      weightTables.set(weights, table);
    }
    let r = this.next() * table.total;
    for (const [key, w] of table.entries) {
      r -= w;
      if (r < 0) return key as K;
    }
    return table.entries[table.entries.length - 1]![0] as K;
  }

  /** `count` distinct items (fewer if the list is shorter). */
  sample<T>(items: readonly T[], count: number): T[] {
    const pool = [...items];
    const out: T[] = [];
    while (out.length < count && pool.length > 0) {
      out.push(pool.splice(Math.floor(this.next() * pool.length), 1)[0]!);
    }
    return out;
  }

  hex(length: number): string {
    // join() gives one flat string; concatenation would keep ropes of small pieces per id in memory.
    const digits = new Array<string>(length);
    for (let i = 0; i < length; i++) digits[i] = HEX.charAt(Math.floor(this.next() * 16));
    return digits.join('');
  }

  uuid(): string {
    const d: string[] = [];
    for (let i = 0; i < 32; i++) {
      if (i === 8 || i === 12 || i === 16 || i === 20) d.push('-');
      d.push(i === 12 ? '4' : i === 16 ? 'a' : HEX.charAt(Math.floor(this.next() * 16)));
    }
    return d.join('');
  }

  /** A derived generator, so adding draws in one part of the data does not shift every other part. */
  fork(label: string): Prng {
    return new Prng((hashString(label) ^ Math.floor(this.next() * 4294967296)) >>> 0);
  }
}

/** FNV-1a, enough to turn labels into seeds. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
