import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "./random.ts";

test("the same seed gives the same sequence, another seed another one", () => {
  const draw = (rng: Rng) => Array.from({ length: 8 }, () => rng.uint32());
  assert.deepEqual(draw(Rng.fromSeed(1)), draw(Rng.fromSeed(1)));
  assert.notDeepEqual(draw(Rng.fromSeed(1)), draw(Rng.fromSeed(2)));
});

test("a generator restored from its state continues the same sequence", () => {
  const rng = Rng.fromSeed(42);
  rng.next();
  const copy = Rng.fromState(rng.state());
  assert.deepEqual([rng.next(), rng.normal(), rng.int(10)], [copy.next(), copy.normal(), copy.int(10)]);
});

test("normal draws have mean ~0 and variance ~1; uniform ints stay in range", () => {
  const rng = Rng.fromSeed(7);
  const n = 20_000;
  const xs = Array.from({ length: n }, () => rng.normal());
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / n;
  assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.05, `variance ${variance}`);
  for (let i = 0; i < 1000; i++) {
    const k = rng.int(5);
    assert.ok(Number.isInteger(k) && k >= 0 && k < 5);
  }
});

test("shuffle is a permutation", () => {
  const items = Array.from({ length: 50 }, (_, i) => i);
  const shuffled = Rng.fromSeed(3).shuffle([...items]);
  assert.notDeepEqual(shuffled, items);
  assert.deepEqual(
    [...shuffled].sort((a, b) => a - b),
    items,
  );
});
