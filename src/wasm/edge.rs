//! `EdgeEngine`: the tiered cache's decisions as the JavaScript `EdgeCache` asks for them.
//! The package awaits stores and loaders; every decision and every counter is here.

use super::codes::{Count, FreshnessCode, HeaderStatus, LatencyTier};
use super::errors::to_js;
use super::options::fields;
use crate::edge::breaker::BreakerState;
use crate::edge::config::{EdgeConfig, WriteMode};
use crate::edge::envelope::{Header, Rejection};
use crate::edge::freshness::Horizons;
use crate::edge::generation;
use crate::edge::keys::{self, KeyKind};
use crate::edge::{EdgeCore, TAG_RECORD_TTL};
use wasm_bindgen::prelude::*;

/// The decision-making half of an `EdgeCache`.
#[wasm_bindgen]
pub struct EdgeEngine {
    core: EdgeCore,
    /// Times computed by the last `entryTimes`: expires, staleUntil, errorUntil.
    times: [f64; 3],
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
            times: [0.0; 3],
            decoded_tags: Vec::new(),
        })
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

    /// Computes an entry's times (read them with `times(i)`): per-call `ttl`, `swr`, `sie`
    /// override the defaults. The package has checked them (`pkg/src/edge/options.js`)
    /// before any work, so a bad value never reaches this point.
    #[wasm_bindgen(js_name = entryTimes)]
    pub fn entry_times(&mut self, now: f64, ttl: Option<f64>, swr: Option<f64>, sie: Option<f64>) {
        let t = self.core.entry_times(now, ttl, swr, sie);
        self.times = [t.expires, t.stale_until, t.error_until];
    }

    /// The last computed times: 0 expires, 1 staleUntil, 2 errorUntil.
    pub fn times(&self, i: u32) -> f64 {
        self.times.get(i as usize).copied().unwrap_or(0.0)
    }

    /// Freshness at `now` (see `Freshness`).
    pub fn classify(
        &mut self,
        now: f64,
        expires: f64,
        stale_until: f64,
        error_until: f64,
        load_ms: f64,
    ) -> FreshnessCode {
        self.core
            .classify(
                now,
                Horizons {
                    expires,
                    stale_until,
                    error_until,
                    load_ms,
                },
            )
            .into()
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

    /// The store key of a value, digested when longer than `maxKeyBytes`.
    #[wasm_bindgen(js_name = dataKey)]
    pub fn data_key(&self, key: &str, max_key_bytes: f64) -> String {
        keys::store_key(
            &self.core.config().namespace,
            KeyKind::Data,
            key,
            max_key_bytes as usize,
        )
    }

    /// The store key of a tag's generation counter.
    #[wasm_bindgen(js_name = tagKey)]
    pub fn tag_key(&self, tag: &str, max_key_bytes: f64) -> String {
        keys::store_key(
            &self.core.config().namespace,
            KeyKind::Tag,
            tag,
            max_key_bytes as usize,
        )
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

    /// Counts an event.
    pub fn count(&mut self, event: Count) {
        self.core.counters().count(event.into());
    }

    /// Records a latency sample of `tier`.
    pub fn latency(&mut self, tier: LatencyTier, ms: f64) {
        self.core.counters().latency(tier.into(), ms);
    }

    /// The names of the numbers `stats` returns, in order (`"store.corrupt"`, ...).
    #[wasm_bindgen(js_name = statNames)]
    pub fn stat_names(&mut self) -> Vec<String> {
        let snapshot = self.core.counters().snapshot(0);
        snapshot.fields().map(|(name, _)| name.to_string()).to_vec()
    }

    /// Counters and latency percentiles per tier, in `statNames` order.
    pub fn stats(&mut self, in_flight: u32) -> Vec<f64> {
        let snapshot = self.core.counters().snapshot(u64::from(in_flight));
        snapshot.fields().map(|(_, n)| n).to_vec()
    }
}

impl EdgeEngine {
    /// The logical key of a value (what its header records).
    fn logical_key(&self, key: &str) -> String {
        keys::logical_key(&self.core.config().namespace, KeyKind::Data, key)
    }
}
