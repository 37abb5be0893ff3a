// The one home of an EdgeCache's per-key state: the running loads and reads each caller
// may join (single flight), the tokens of reads and loads a set or delete supersedes, the
// order of store writes (tickets), and each store's calls per store key (CallOrder). Its rules: a set or delete of a key supersedes what runs for
// it (nothing found or loaded is written back, later callers start afresh); the end of a
// store write outdates the reads still running (what they found may predate it); what a
// read found goes back to memory or the store only while nothing of the kind happened.
import { CallOrder } from "./call_order.js";
import { Flights } from "./flight.js";
import { InProgress, WriteOrder } from "./key_order.js";

/** Per-key coordination of one cache's reads, loads and store writes. */
export class Coordinator {
  /** Running loads (getOrSet, warm) per key */
  loads = new Flights();
  /** Running store reads (get) per key */
  reads = new Flights();
  /** Running background refreshes per key */
  refreshes = new Flights();
  /** Running forced loads (getOrSet with forceRefresh) per key */
  forced = new Flights();
  #inProgress = new InProgress();
  #writeOrder = new WriteOrder();
  /** store id ("" for a single store) -> its calls per store key */
  #storeCalls = new Map();

  /**
   * The calls of store `id` ("" for a single store), one per store key at a time, a call
   * unanswered for `stuckMs` taken to be lost (see CallOrder).
   */
  storeCalls(id, stuckMs) {
    let calls = this.#storeCalls.get(id);
    if (calls === undefined) this.#storeCalls.set(id, (calls = new CallOrder(stuckMs)));
    return calls;
  }

  /** Store `id` left the ring: its calls still running carry on, a store added later under the id starts afresh. */
  forgetStore(id) {
    this.#storeCalls.delete(id);
  }

  /** A read or load of `key` begins: its token (pass to `end`; see InProgress). */
  begin(key) {
    return this.#inProgress.begin(key);
  }

  /** `token` (a caller's, or null for a new one) held once more for a part of the call. */
  retain(key, token) {
    return this.#inProgress.retain(key, token);
  }

  /** The read or load with `token` is over. */
  end(key, token) {
    this.#inProgress.end(key, token);
  }

  /**
   * A `set` or `delete` of `key`: the reads and loads running now may not write back what
   * they found, and callers from now on do not join them (they would get the older value).
   */
  supersede(key) {
    this.#inProgress.supersede(key);
    this.#dropFlights(key);
  }

  /**
   * A `clear`: what every read and load running now finds is not written back, and callers
   * from now on start their own (refreshes running end without caching what they load).
   */
  supersedeAll() {
    this.#inProgress.supersedeAll();
    this.reads.clear();
    this.loads.clear();
    this.forced.clear();
  }

  /**
   * A ticket for a store write or delete of `key` asked for now (see WriteOrder); `bySet`:
   * for a `set` or `delete` (not a load's or warm's write of what it loaded).
   */
  ticket(key, bySet) {
    const ticket = this.#writeOrder.ticket(key);
    ticket.bySet = bySet;
    return ticket;
  }

  /** Whether the write of `ticket` may go out now (no later one of its key went out first). */
  claim(ticket) {
    return this.#writeOrder.claim(ticket);
  }

  /**
   * A store write or delete of `key` is over (sent and settled, or dropped). The reads still
   * running may have read what the store held before it: they write nothing of what they
   * found back, and later callers do not join them (nor, after a `set` or `delete`, the
   * loads running, which may serve what they found).
   */
  writeDone(key, ticket) {
    this.#writeOrder.done(ticket);
    this.#inProgress.outdate(key);
    this.reads.delete(key);
    if (ticket.bySet) this.#dropFlights(key);
  }

  /**
   * Whether what a read of `key` found may still go back to memory or the store (repair,
   * back-fill, deleting a corrupt record): not once a set or delete came in since the call
   * began (`token.dirty`), nor once a store write of the key ended while it ran
   * (`token.outdated`: it may have read what the store held before), nor while one of the
   * key is going out.
   */
  mayWriteBack(key, token) {
    return !token.dirty && !token.outdated && !this.#writeOrder.busy(key);
  }

  /** Callers from now on start their own reads and loads of `key`. */
  #dropFlights(key) {
    this.reads.delete(key);
    this.loads.delete(key);
    this.forced.delete(key);
  }
}
