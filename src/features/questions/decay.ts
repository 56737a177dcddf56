/**
 * The number structures under the expertise index (pure, allocation-light): an int → float hash map
 * in typed arrays, counters that decay lazily, and weights kept in boosted units so that recency
 * needs no sweep. See expertise.ts for why.
 */

/**
 * A hash map from non-negative int32 keys to float64 values: open addressing with linear probing in
 * two typed arrays (12 bytes a slot), a quarter of the memory of a Map<number, number> with no
 * per-entry garbage. Iterate with `keys`/`vals` and skip keys < 0.
 */
export class IntFloatMap {
  keys: Int32Array;
  vals: Float64Array;
  size = 0;

  constructor(capacity = 4) {
    this.keys = new Int32Array(capacity).fill(-1);
    this.vals = new Float64Array(capacity);
  }

  private find(k: number): number {
    const mask = this.keys.length - 1;
    let i = Math.imul(k, 0x9e3779b1) & mask;
    while (true) {
      const at = this.keys[i]!;
      if (at === k || at === -1) return i;
      i = (i + 1) & mask;
    }
  }

  get(k: number): number {
    const i = this.find(k);
    return this.keys[i] === k ? this.vals[i]! : 0;
  }

  has(k: number): boolean {
    return this.keys[this.find(k)] === k;
  }

  /** Add `delta` to the value of `k` (0 when absent). */
  add(k: number, delta: number): void {
    let i = this.find(k);
    if (this.keys[i] !== k) {
      if ((this.size + 1) * 4 > this.keys.length * 3) {
        this.grow();
        i = this.find(k);
      }
      this.keys[i] = k;
      this.vals[i] = 0;
      this.size += 1;
    }
    this.vals[i]! += delta;
  }

  set(k: number, v: number): void {
    this.add(k, v - this.get(k));
  }

  scale(f: number): void {
    for (let i = 0; i < this.vals.length; i++) this.vals[i]! *= f;
  }

  *entries(): Generator<[number, number]> {
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i]! >= 0) yield [this.keys[i]!, this.vals[i]!];
  }

  private grow(): void {
    const { keys, vals } = this;
    this.keys = new Int32Array(keys.length * 2).fill(-1);
    this.vals = new Float64Array(keys.length * 2);
    for (let i = 0; i < keys.length; i++) {
      if (keys[i]! < 0) continue;
      const j = this.find(keys[i]!);
      this.keys[j] = keys[i]!;
      this.vals[j] = vals[i]!;
    }
  }
}

/** Decayed counter read at `now`. */
export function decayed(value: number, at: number, now: number, halfLife: number): number {
  if (value === 0) return 0;
  return value * 2 ** (-Math.max(0, now - at) / halfLife);
}

export class Decayed {
  readonly value: number[] = [];
  readonly at: number[] = [];
  constructor(readonly halfLife: number) {}
  grow(): void {
    this.value.push(0);
    this.at.push(0);
  }
  add(i: number, t: number, w = 1): void {
    const v = this.value[i]!;
    const last = this.at[i]!;
    if (v === 0) {
      this.value[i] = w;
      this.at[i] = t;
    } else if (t >= last) {
      this.value[i] = v * 2 ** (-(t - last) / this.halfLife) + w;
      this.at[i] = t;
    } else {
      // An event older than the last one (out-of-order delivery, backfill): add it already decayed.
      this.value[i] = v + w * 2 ** (-(last - t) / this.halfLife);
    }
  }
  get(i: number, now: number): number {
    return decayed(this.value[i]!, this.at[i]!, now, this.halfLife);
  }
}

/**
 * Weights that decay with one half-life, stored in boosted units (w × 2^((t − base)/h)) so adding is
 * O(1) and every stored weight is read at `now` by one shared factor. Rebased long before overflow.
 * An infinite half-life makes every factor 1: the weights are then plain sums.
 */
export class Booster {
  private base = Number.NaN;
  constructor(
    readonly halfLife: number,
    private readonly rescale: (factor: number) => void,
  ) {}
  at(t: number): number {
    if (Number.isNaN(this.base)) this.base = t;
    let x = (t - this.base) / this.halfLife;
    if (x > 40) {
      this.rescale(2 ** -x);
      this.base = t;
      x = 0;
    }
    return 2 ** x;
  }
  /** Multiply a boosted weight by this to read it at `now`. */
  unboost(now: number): number {
    return Number.isNaN(this.base) ? 1 : 2 ** (-(now - this.base) / this.halfLife);
  }
}
