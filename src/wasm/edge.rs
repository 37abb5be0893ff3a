//! `EdgeEngine`: the tiered cache's decisions as the JavaScript `EdgeCache` asks for them.
//!
//! The rule: every synchronous rule lives in Rust; JavaScript awaits, owns timers and I/O,
//! and never re-decides. A read asks for a plan once per value found (`readPlan`: serve /
//! serve and refresh / read on, keeping a fallback or not), counted
//! here as it is made; a write is planned in one call (`planWrite`: times, memory TTL,
//! store TTL). What only the package sees (store latency, loads, failures, writes) it
//! reports through a buffer in wasm memory (`reportsPtr`), applied before stats are read:
//! a report costs no crossing, so a memory hit makes one call and a miss → load → write
//! a handful.

use super::codes::{
    AlertRule, AlertState, EpochFound, HeaderStatus, PlanTier, ReadPlanCode, Recorded, Report,
};
use super::errors::to_js;
use super::options::fields;
use crate::edge::breaker::BreakerState;
use crate::edge::config::{EdgeConfig, WriteMode};
use crate::edge::envelope::{Header, Rejection};
use crate::edge::freshness::Horizons;
use crate::edge::generation;
use crate::edge::keys::{self, KeyKind};
use crate::edge::latency::{upper, BUCKETS};
use crate::edge::plan::ReadPlan;
use crate::edge::stats::{Tally, Tier, STAT_NAMES};
use crate::edge::{EdgeCore, TAG_RECORD_TTL};
use wasm_bindgen::prelude::*;

/// The decision-making half of an `EdgeCache`.
#[wasm_bindgen]
pub struct EdgeEngine {
    core: EdgeCore,
    /// Reports the package wrote and has not had applied: triples of a `Report`, a value
    /// and the time it happened.
    reports: Box<[f64]>,
    /// Tags of the header last decoded (read with `decodedTags`).
    decoded_tags: Vec<String>,
}

#[wasm_bindgen]
impl EdgeEngine {
    /// Validates `options` (see `EdgeCache` in the README).
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<EdgeEngine, JsValue> {
        let config = fields("EdgeCache", &options)
            .and_then(EdgeConfig::from_fields)
            .map_err(to_js)?;
        Ok(EdgeEngine {
            core: EdgeCore::new(config),
            reports: vec![0.0; 3 * REPORT_CAPACITY].into_boxed_slice(),
            decoded_tags: Vec::new(),
        })
    }

    /// The namespace isolating this cache's keys.
    pub fn namespace(&self) -> String {
        self.core.config().namespace.clone()
    }

    /// The store timeout in ms.
    pub fn timeout(&self) -> f64 {
        self.core.config().timeout
    }

    /// The loader time limit in ms for a call that gives none.
    #[wasm_bindgen(js_name = loaderTimeout)]
    pub fn loader_timeout(&self) -> f64 {
        self.core.config().loader_timeout
    }

    /// How long a caller sharing another call's read may wait for it (ms).
    #[wasm_bindgen(js_name = readBound)]
    pub fn read_bound(&self) -> f64 {
        self.core.config().read_bound()
    }

    /// How long a caller sharing another call's load may wait for it (ms), the load's
    /// loader being limited to `loader_timeout` ms.
    #[wasm_bindgen(js_name = loadBound)]
    pub fn load_bound(&self, loader_timeout: f64) -> f64 {
        self.core.config().load_bound(loader_timeout)
    }

    /// How long a tag generation read from the store is trusted (ms).
    #[wasm_bindgen(js_name = tagCheckInterval)]
    pub fn tag_check_interval(&self) -> f64 {
        self.core.config().tag_check_interval()
    }

    /// The `seed` option (a seed for the write-behind queue is derived from it), if given.
    pub fn seed(&self) -> Option<f64> {
        self.core.config().seed.map(|s| s as f64)
    }

    /// Copies of each key across shards.
    pub fn replicas(&self) -> u32 {
        self.core.config().replicas as u32
    }

    /// Whether writes go to the store in the background.
    #[wasm_bindgen(js_name = writeBehind)]
    pub fn write_behind(&self) -> bool {
        self.core.config().write_mode == WriteMode::Behind
    }

    /// The plan of a value `tier` holds (a memory entry, or a store record with its times
    /// as `decode` read them) at `now`, counted as that tier's hit, stale serve or miss.
    #[wasm_bindgen(js_name = readPlan)]
    pub fn read_plan(
        &mut self,
        tier: PlanTier,
        now: f64,
        expires: f64,
        stale_until: f64,
        error_until: f64,
        load_ms: f64,
    ) -> ReadPlanCode {
        let h = horizons(expires, stale_until, error_until, load_ms);
        self.core.plan_read(tier.into(), now, h).into()
    }

    /// Whether a value kept as a fallback is served at `now` because reading on (the store,
    /// the loader) failed: inside its stale-if-error window, counted.
    #[wasm_bindgen(js_name = serveFallback)]
    pub fn serve_fallback(&mut self, now: f64, error_until: f64) -> bool {
        self.core.serve_fallback(now, error_until)
    }

    /// The plan of a value at `now` ignoring early refresh, not counted (warm asks whether
    /// an entry is fresh without reading it).
    pub fn plan(&self, now: f64, expires: f64, stale_until: f64, error_until: f64) -> ReadPlanCode {
        let h = horizons(expires, stale_until, error_until, 0.0);
        ReadPlan::from(crate::edge::freshness::window(now, h)).into()
    }

    /// The plan of a write at `now`: `[expires, staleUntil, errorUntil, memoryTtl,
    /// storeTtl]` (ms; memory keeps nothing when `memoryTtl` is not above 0). Per-call
    /// `ttl`, `swr`, `sie` override the defaults (checked by the package before any work,
    /// `pkg/src/edge/options.js`); `minTtl` is the store's minimum TTL (0 without one).
    #[wasm_bindgen(js_name = planWrite)]
    pub fn plan_write(
        &mut self,
        now: f64,
        ttl: Option<f64>,
        swr: Option<f64>,
        sie: Option<f64>,
        tagged: bool,
        min_ttl: f64,
    ) -> Vec<f64> {
        let p = self.core.plan_write(now, ttl, swr, sie, tagged, min_ttl);
        vec![
            p.times.expires,
            p.times.stale_until,
            p.times.error_until,
            p.memory_ttl,
            p.store_ttl,
        ]
    }

    /// The store TTL (ms) of a record whose last horizon is `horizon`, at least `minTtl`
    /// (a `tagged` one at most `tagRecordTtl`).
    #[wasm_bindgen(js_name = storeTtl)]
    pub fn store_ttl(now: f64, horizon: f64, min_ttl: f64, tagged: bool) -> f64 {
        EdgeCore::store_ttl(now, horizon, min_ttl, tagged)
    }

    /// The store TTL (ms) of a tag's generation record (see `TAG_RECORD_TTL`).
    #[wasm_bindgen(js_name = tagRecordTtl)]
    pub fn tag_record_ttl() -> f64 {
        TAG_RECORD_TTL
    }

    /// How long memory may keep an entry whose last horizon is `horizon`.
    #[wasm_bindgen(js_name = memoryTtlFor)]
    pub fn memory_ttl_for(&self, now: f64, horizon: f64, tagged: bool) -> f64 {
        self.core.memory_ttl(now, horizon, tagged)
    }

    /// The store key of a value in the current clear epoch, digested when longer than
    /// `maxKeyBytes`.
    #[wasm_bindgen(js_name = dataKey)]
    pub fn data_key(&self, key: &str, max_key_bytes: f64) -> String {
        self.store_key(KeyKind::Data, key, max_key_bytes, self.core.current_epoch())
    }

    /// The store key of a tag's generation counter.
    #[wasm_bindgen(js_name = tagKey)]
    pub fn tag_key(&self, tag: &str, max_key_bytes: f64) -> String {
        self.store_key(KeyKind::Tag, tag, max_key_bytes, 0)
    }

    /// The store key of the namespace's clear epoch (see `edge::epoch`).
    #[wasm_bindgen(js_name = epochKey)]
    pub fn epoch_key(&self, max_key_bytes: f64) -> String {
        self.store_key(KeyKind::Epoch, "", max_key_bytes, 0)
    }

    /// Until when the clear epoch is used without reading the store (ms).
    #[wasm_bindgen(js_name = epochTrustedUntil)]
    pub fn epoch_trusted_until(&mut self) -> f64 {
        self.core.epoch().trusted_until()
    }

    /// A mark to pass to `epochRead` for a read of the epoch begun now.
    #[wasm_bindgen(js_name = epochMark)]
    pub fn epoch_mark(&mut self) -> f64 {
        self.core.epoch().mark() as f64
    }

    /// The epoch `record` (null: none) that a read begun at `mark` found, taken in at
    /// `now` (`failed`: the read failed): see `edge::epoch::Found`.
    #[wasm_bindgen(js_name = epochRead)]
    pub fn epoch_read(
        &mut self,
        record: Option<String>,
        failed: bool,
        mark: f64,
        now: f64,
    ) -> EpochFound {
        self.core
            .epoch()
            .read(record.as_deref(), failed, mark as u64, now)
            .into()
    }

    /// A clear at `now`, the store's epoch record being `record` (null: none; an unreadable
    /// one is replaced): the record of the next epoch to write (adopted at once), or
    /// undefined when it cannot be decided (`failed`: the read failed) or recorded.
    #[wasm_bindgen(js_name = epochClear)]
    pub fn epoch_clear(
        &mut self,
        record: Option<String>,
        failed: bool,
        now: f64,
    ) -> Option<String> {
        self.core.epoch().clear(record.as_deref(), failed, now)
    }

    /// Bytes of the longest digested key: every store must allow at least this many.
    #[wasm_bindgen(js_name = minStoreKeyBytes)]
    pub fn min_store_key_bytes(&self) -> u32 {
        keys::digest_key_len(&self.core.config().namespace) as u32
    }

    /// The store record of a tag's `generation` (see `edge::generation`), or undefined
    /// when it is past the largest one a record holds.
    #[wasm_bindgen(js_name = encodeGeneration)]
    pub fn encode_generation(generation: f64) -> Option<String> {
        generation::encode(generation)
    }

    /// The generation a tag's store record holds, or NaN when the record is unreadable
    /// (cut, damaged or out of range: the tag counts as invalidated).
    #[wasm_bindgen(js_name = decodeGeneration)]
    pub fn decode_generation(record: &str) -> f64 {
        generation::decode(record).unwrap_or(f64::NAN)
    }

    /// The header line of a record (the value's JSON, `body_len` UTF-16 code units long,
    /// follows after a newline).
    #[allow(clippy::too_many_arguments)]
    pub fn encode(
        &self,
        key: &str,
        body_len: f64,
        created: f64,
        expires: f64,
        stale_until: f64,
        error_until: f64,
        load_ms: f64,
        tags: Vec<String>,
        generations: Vec<f64>,
    ) -> String {
        let tags = tags
            .into_iter()
            .zip(generations.into_iter().chain(std::iter::repeat(0.0)))
            .collect();
        Header {
            body_len: body_len as u64,
            key: self.logical_key(key),
            created,
            expires,
            stale_until,
            error_until,
            load_ms,
            tags,
        }
        .encode()
    }

    /// Parses a header line of the record stored for `key`, whose body (after the
    /// newline) is `body_len` UTF-16 code units long: `[status, created, expires,
    /// staleUntil, errorUntil, loadMs, ...tag generations]`, the status a `HeaderStatus`
    /// (nothing follows one but `Ok`). The tags are read with `decodedTags`.
    pub fn decode(&mut self, line: &str, key: &str, body_len: f64) -> Vec<f64> {
        match Header::decode(line, &self.logical_key(key), body_len as u64) {
            Ok(h) => {
                let mut out = vec![
                    f64::from(HeaderStatus::Ok as u32),
                    h.created,
                    h.expires,
                    h.stale_until,
                    h.error_until,
                    h.load_ms,
                ];
                let (tags, generations): (Vec<String>, Vec<f64>) = h.tags.into_iter().unzip();
                out.extend(generations);
                self.decoded_tags = tags;
                out
            }
            Err(Rejection::Corrupt) => vec![f64::from(HeaderStatus::Corrupt as u32)],
            Err(Rejection::ForeignKey) => vec![f64::from(HeaderStatus::ForeignKey as u32)],
            Err(Rejection::OtherVersion) => vec![f64::from(HeaderStatus::OtherFormat as u32)],
        }
    }

    /// The tags of the header `decode` last parsed, in the order of its generations.
    #[wasm_bindgen(js_name = decodedTags)]
    pub fn decoded_tags(&mut self) -> Vec<String> {
        std::mem::take(&mut self.decoded_tags)
    }

    /// Whether a call to store shard `shard` may go out at `now` (its breaker is closed,
    /// or half-open and this is the one trial).
    #[wasm_bindgen(js_name = shardAllowed)]
    pub fn shard_allowed(&mut self, shard: u32, now: f64) -> bool {
        self.core.breakers().allow(shard, now)
    }

    /// Records the outcome of a call to store shard `shard`.
    #[wasm_bindgen(js_name = shardOutcome)]
    pub fn shard_outcome(&mut self, shard: u32, ok: bool, now: f64) {
        self.core.breakers().record(shard, ok, now);
    }

    /// Whether shard `shard`'s breaker is open (skipping it) at `now`.
    #[wasm_bindgen(js_name = shardOpen)]
    pub fn shard_open(&mut self, shard: u32, now: f64) -> bool {
        self.core.breakers().state(shard, now) == BreakerState::Open
    }

    /// Where the report buffer starts in wasm memory: `reportsLen` numbers, triples of a
    /// `Report`, its value (a latency in ms; ignored for a count) and when it happened (the
    /// cache's clock). The package fills it from the start and passes how many triples it
    /// wrote to `applyReports` or `stats`.
    #[wasm_bindgen(js_name = reportsPtr)]
    pub fn reports_ptr(&self) -> u32 {
        self.reports.as_ptr() as u32
    }

    /// The length of the report buffer, in numbers (three per report).
    #[wasm_bindgen(js_name = reportsLen)]
    pub fn reports_len(&self) -> u32 {
        self.reports.len() as u32
    }

    /// Applies the first `pending` reports of the buffer (a slot naming no report, or one
    /// past the buffer, is skipped).
    #[wasm_bindgen(js_name = applyReports)]
    pub fn apply_reports(&mut self, pending: u32) {
        let counters = self.core.counters();
        for triple in self.reports.chunks_exact(3).take(pending as usize) {
            let &[code, value, at] = triple else {
                continue;
            };
            match Report::from_code(code).map(Report::recorded) {
                Some(Recorded::Count(event)) => counters.count_reported(event, at),
                Some(Recorded::Latency(tier)) => counters.latency(tier, value, at),
                None => {}
            }
        }
    }

    /// The names of the numbers `stats` starts with, in order (`"store.corrupt"`, ...).
    #[wasm_bindgen(js_name = statNames)]
    pub fn stat_names() -> Vec<String> {
        STAT_NAMES.map(str::to_string).to_vec()
    }

    /// Lifetime stats once the first `pending` reports of the buffer are applied: the
    /// numbers named by `statNames`, then each tier's latency buckets (memory, store,
    /// loader), each as its length and the samples per bucket (bounds: `latencyBounds`).
    pub fn stats(&mut self, in_flight: u32, pending: u32) -> Vec<f64> {
        self.apply_reports(pending);
        stats_numbers(self.core.counters().lifetime(), in_flight)
    }

    /// The sliding window's stats at `now`, as `stats` gives them; empty without a window.
    #[wasm_bindgen(js_name = windowStats)]
    pub fn window_stats(&mut self, in_flight: u32, now: f64) -> Vec<f64> {
        let window = self.core.counters().window(now);
        window.map_or_else(Vec::new, |w| stats_numbers(&w.total(), in_flight))
    }

    /// The window's length in ms; 0 without one.
    #[wasm_bindgen(js_name = windowLength)]
    pub fn window_length(&mut self) -> f64 {
        self.core.config().window.unwrap_or(0.0)
    }

    /// Lifetime counts and latency histograms as numbers another isolate can merge
    /// (`mergedStats`); `windowed`: the window's at `now` (empty without one).
    pub fn tally(&mut self, windowed: bool, now: f64) -> Vec<f64> {
        let counters = self.core.counters();
        if !windowed {
            return counters.lifetime().to_numbers();
        }
        counters
            .window(now)
            .map_or_else(Vec::new, |w| w.total().to_numbers())
    }

    /// Judges the alert rules on the window at `now`; `memory_usage` is the memory tier's
    /// use of its bound (0..1), `undefined` without one. Returns the times from which and
    /// until which the rules are not due again (-Infinity and Infinity without rules), then
    /// a quadruple per rule that changed state: its `AlertRule`, its `AlertState`, the value
    /// it was judged on and its threshold.
    #[wasm_bindgen(js_name = evaluateAlerts)]
    pub fn evaluate_alerts(&mut self, now: f64, memory_usage: Option<f64>) -> Vec<f64> {
        let (changed, (from, until)) = self.core.evaluate_alerts(now, memory_usage);
        let mut out = vec![from, until];
        for t in changed {
            let state = if t.firing {
                AlertState::Firing
            } else {
                AlertState::Resolved
            };
            out.extend([
                AlertRule::from(t.rule) as u32 as f64,
                state as u32 as f64,
                t.value,
                t.threshold,
            ]);
        }
        out
    }

    /// The firing alert rules: a quadruple each of its `AlertRule`, the value it was last
    /// judged on, its threshold and since when it fires.
    #[wasm_bindgen(js_name = firingAlerts)]
    pub fn firing_alerts(&self) -> Vec<f64> {
        let firing = self.core.firing_alerts();
        firing
            .into_iter()
            .flat_map(|(rule, value, threshold, since)| {
                [AlertRule::from(rule) as u32 as f64, value, threshold, since]
            })
            .collect()
    }
}

/// Stats of tallies from several caches (`EdgeEngine.tally`, concatenated), as `stats`
/// gives them; empty when the numbers are not such tallies.
#[wasm_bindgen(js_name = mergedStats)]
pub fn merged_stats(tallies: &[f64]) -> Vec<f64> {
    let mut sum = Tally::default();
    let mut rest = tallies;
    while !rest.is_empty() {
        let Some((tally, after)) = Tally::read(rest) else {
            return Vec::new();
        };
        sum.merge(&tally);
        rest = after;
    }
    stats_numbers(&sum, 0)
}

/// The upper bound (ms) of each latency bucket: a sample falls in the first bucket whose
/// bound is not below it.
#[wasm_bindgen(js_name = latencyBounds)]
pub fn latency_bounds() -> Vec<f64> {
    (0..BUCKETS).map(upper).collect()
}

/// A tally's stats fields, then its latency buckets per tier, each with its length first.
fn stats_numbers(tally: &Tally, in_flight: u32) -> Vec<f64> {
    let snapshot = tally.snapshot(u64::from(in_flight));
    let mut out: Vec<f64> = snapshot.values().to_vec();
    for tier in [Tier::Memory, Tier::Store, Tier::Loader] {
        let buckets = tally.histogram(tier).buckets();
        out.push(buckets.len() as f64);
        out.extend(buckets.iter().map(|&c| c as f64));
    }
    out
}

/// Reports the buffer holds before the package must have them applied.
const REPORT_CAPACITY: usize = 64;

fn horizons(expires: f64, stale_until: f64, error_until: f64, load_ms: f64) -> Horizons {
    Horizons {
        expires,
        stale_until,
        error_until,
        load_ms,
    }
}

impl EdgeEngine {
    /// A store key of `kind` (see `edge::keys`).
    fn store_key(&self, kind: KeyKind, key: &str, max_key_bytes: f64, epoch: u64) -> String {
        keys::store_key(
            &self.core.config().namespace,
            kind,
            key,
            max_key_bytes as usize,
            epoch,
        )
    }

    /// The logical key of a value (what its header records).
    fn logical_key(&self, key: &str) -> String {
        keys::logical_key(&self.core.config().namespace, KeyKind::Data, key)
    }
}
