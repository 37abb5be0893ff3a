// The Coordinator (every per-key state of an EdgeCache) against a small reference model of
// its rules, over seeded random sequences: tokens of reads and loads, supersede by a set or
// delete, store-write tickets and their order, write-back permission, flights dropped.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Coordinator } from "../../../pkg/dist/testing.js";
import { seeded } from "../cases/check.mjs";

const KEYS = ["a", "b", "c"];
const FLIGHTS = ["reads", "loads", "forced", "refreshes"];

/** The rules, spelled out plainly. */
class Model {
  /** token -> { key, n, dirty, outdated } */
  tokens = new Map();
  /** ticket -> { key, number, bySet, claimed, done } */
  tickets = new Map();
  /** key -> { open, sent }: writes of the key not done, the last number sent */
  writes = new Map();
  sequence = 0;
  flights = Object.fromEntries(FLIGHTS.map((kind) => [kind, new Set()]));

  live(key) {
    return [...this.tokens.values()].filter((t) => t.key === key && t.n > 0);
  }

  supersede(key) {
    for (const t of this.live(key)) t.dirty = true;
    for (const kind of ["reads", "loads", "forced"]) this.flights[kind].delete(key);
  }

  ticket(key, bySet) {
    const w = this.writes.get(key) ?? { open: 0, sent: 0 };
    w.open++;
    this.writes.set(key, w);
    return { key, number: ++this.sequence, bySet, claimed: false, done: false };
  }

  claim(ticket) {
    const w = this.writes.get(ticket.key);
    if (w.sent > ticket.number) return false;
    w.sent = ticket.number;
    return true;
  }

  writeDone(ticket) {
    const w = this.writes.get(ticket.key);
    if (--w.open === 0) this.writes.delete(ticket.key);
    for (const t of this.live(ticket.key)) t.outdated = true;
    this.flights.reads.delete(ticket.key);
    if (ticket.bySet) {
      this.flights.loads.delete(ticket.key);
      this.flights.forced.delete(ticket.key);
    }
  }

  mayWriteBack(token) {
    return !token.dirty && !token.outdated && !this.writes.has(token.key);
  }
}

test("the coordinator follows the model over random sequences of reads, loads, sets and writes", () => {
  const never = () => new Promise(() => {});
  let checks = 0;
  for (let seed = 1; seed <= 30; seed++) {
    const r = seeded(seed);
    const c = new Coordinator();
    const m = new Model();
    /** [real token, model token] */
    const tokens = [];
    /** [real ticket, model ticket] */
    const tickets = [];
    for (let step = 0; step < 1500; step++) {
      const key = KEYS[r.int(KEYS.length)];
      const op = r.int(9);
      const where = `seed ${seed} step ${step} op ${op} key ${key}`;
      if (op === 0) {
        const real = c.begin(key);
        const model = { key, n: 1, dirty: false, outdated: false };
        m.tokens.set(real, model);
        tokens.push([real, model]);
      } else if (op === 1 && tokens.length > 0) {
        const [real, model] = tokens[r.int(tokens.length)];
        if (model.n > 0) {
          assert.equal(c.retain(model.key, real), real, where);
          model.n++;
        }
      } else if (op === 2 && tokens.length > 0) {
        const [real, model] = tokens[r.int(tokens.length)];
        if (model.n > 0) {
          c.end(model.key, real);
          model.n--;
        }
      } else if (op === 3) {
        c.supersede(key);
        m.supersede(key);
      } else if (op === 4) {
        const bySet = r.next() < 0.5;
        tickets.push([c.ticket(key, bySet), m.ticket(key, bySet)]);
      } else if (op === 5 && tickets.length > 0) {
        const [real, model] = tickets[r.int(tickets.length)];
        if (!model.claimed && !model.done) {
          model.claimed = true;
          assert.equal(c.claim(real), m.claim(model), where);
        }
      } else if (op === 6 && tickets.length > 0) {
        const [real, model] = tickets[r.int(tickets.length)];
        if (!model.done) {
          model.done = true;
          c.writeDone(model.key, real);
          m.writeDone(model);
        }
      } else if (op === 7) {
        const kind = FLIGHTS[r.int(FLIGHTS.length)];
        if (!c[kind].has(key)) {
          c[kind].run(key, 1e9, never);
          m.flights[kind].add(key);
        }
      }
      for (const [real, model] of tokens) {
        if (model.n > 0) assert.equal(c.mayWriteBack(model.key, real), m.mayWriteBack(model), `${where}: write back`);
      }
      for (const kind of FLIGHTS) {
        for (const k of KEYS) assert.equal(c[kind].has(k), m.flights[kind].has(k), `${where}: ${kind} flight of ${k}`);
      }
      checks++;
    }
  }
  assert.equal(checks, 30 * 1500);
});
