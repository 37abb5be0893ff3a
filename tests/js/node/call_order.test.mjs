// CallOrder (one store write per key at a time) against a model under random latency,
// failures and calls slow enough to be taken as lost: seeded, so a failure replays.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CallOrder } from "../../../pkg/dist/testing.js";
import { seeded } from "../cases/check.mjs";

const pause = (ms) => new Promise((r) => setTimeout(r, ms));
const STUCK = 20;
const LIMIT = 5;

test("the store ends with the last write asked for whenever the last call sent succeeded", async () => {
  for (let seed = 1; seed <= 25; seed++) {
    const r = seeded(seed);
    const order = new CallOrder(STUCK);
    const store = new Map();
    const asked = new Map();
    /** key -> the last call sent: { value, ok } (ok undefined while in flight) */
    const lastSent = new Map();
    let inFlight = 0;
    const callers = [];
    for (let i = 0; i < 60; i++) {
      const key = ["a", "b", "c"][r.int(3)];
      const value = i;
      asked.set(key, value);
      const slow = r.next() < 0.15;
      const delay = slow ? STUCK + r.int(3 * STUCK) : r.int(3 * LIMIT);
      const fails = r.next() < 0.1;
      const send = async () => {
        const sent = { value };
        lastSent.set(key, sent);
        inFlight++;
        await pause(delay);
        inFlight--;
        sent.ok = !fails;
        if (fails) throw new Error("store failed");
        store.set(key, value);
      };
      callers.push(order.run(key, send, LIMIT).then(() => "ok", () => "failed"));
      if (r.next() < 0.5) await pause(r.int(LIMIT));
    }
    const outcomes = await Promise.all(callers);
    assert.equal(outcomes.length, 60, `seed ${seed}: every caller settled`);
    for (let i = 0; i < 200 && inFlight > 0; i++) await pause(5);
    await pause(STUCK);
    for (let i = 0; i < 200 && inFlight > 0; i++) await pause(5);
    for (const [key, value] of asked) {
      const last = lastSent.get(key);
      assert.equal(last?.value, value, `seed ${seed} key ${key}: the last write asked for went out`);
      if (last.ok) assert.equal(store.get(key), value, `seed ${seed} key ${key}: and is the one stored`);
    }
  }
});
