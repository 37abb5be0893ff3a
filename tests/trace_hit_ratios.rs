//! Hit ratios of the memory tier's policies on real traces (tests/fixtures/traces) and on
//! seeded synthetic workloads, against published reference figures. Every request is a
//! read: a hit counts, anything else is a miss followed by an insert. Run with
//! `cargo test --test trace_hit_ratios -- --nocapture` to see the tables.

#![cfg(not(target_arch = "wasm32"))]

#[path = "support/traces.rs"]
mod traces;

use edgecache::memory::config::{MemoryConfig, PolicyKind};
use edgecache::memory::{Admission, Lookup, MemoryTier, Slot};
use std::collections::HashMap;
use std::fmt::Write as _;

/// The policies' seed: every figure here replays exactly.
const SEED: u64 = 1;

/// A 32-bit key hash for the tier (what the JavaScript side computes from the key).
fn hash32(key: u64) -> u32 {
    (splitmix(key) >> 32) as u32
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Hits and misses of one replay.
#[derive(Clone, Copy, Debug)]
struct Outcome {
    hits: u64,
    misses: u64,
    /// Bytes of the requests that missed.
    miss_bytes: u64,
}

impl Outcome {
    fn ratio(&self) -> f64 {
        100.0 * self.hits as f64 / (self.hits + self.misses).max(1) as f64
    }
}

fn entries(policy: PolicyKind, max_entries: u64) -> MemoryConfig {
    MemoryConfig {
        max_entries: Some(max_entries),
        max_bytes: None,
        ttl: None,
        policy,
        seed: Some(SEED),
    }
}

fn bytes(policy: PolicyKind, max_bytes: u64) -> MemoryConfig {
    MemoryConfig {
        max_entries: None,
        max_bytes: Some(max_bytes),
        ttl: None,
        policy,
        seed: Some(SEED),
    }
}

/// Replays `(key, size)` requests through a tier, keeping the key-to-slot map the way the
/// JavaScript side does.
fn replay(config: MemoryConfig, requests: impl Iterator<Item = (u64, u64)>) -> Outcome {
    let mut tier = MemoryTier::new(config);
    let mut slots: HashMap<u64, Slot> = HashMap::new();
    let mut keys: Vec<u64> = Vec::new();
    let mut out = Outcome {
        hits: 0,
        misses: 0,
        miss_bytes: 0,
    };
    for (key, size) in requests {
        if let Some(&slot) = slots.get(&key) {
            match tier.get(slot, 0.0) {
                Lookup::Hit => {
                    out.hits += 1;
                    continue;
                }
                Lookup::Expired | Lookup::Absent => panic!("slot {slot} of key {key} vanished"),
            }
        }
        out.misses += 1;
        out.miss_bytes += size;
        let admission = tier
            .insert(hash32(key), size as f64, None, 0.0)
            .expect("valid insert");
        for &victim in tier.evicted() {
            let old = keys[victim as usize];
            assert_eq!(slots.remove(&old), Some(victim), "evicted an unknown slot");
        }
        if let Admission::Stored(slot) = admission {
            let i = slot as usize;
            if keys.len() <= i {
                keys.resize(i + 1, u64::MAX);
            }
            keys[i] = key;
            assert!(slots.insert(key, slot).is_none());
        }
    }
    assert_eq!(tier.len(), slots.len() as u64, "tier and caller disagree");
    out
}

fn replay_keys(config: MemoryConfig, keys: &[u64]) -> Outcome {
    replay(config, keys.iter().map(|&k| (k, 1)))
}

/// One row of a printed table.
struct Row {
    capacity: String,
    lru: f64,
    tinylfu: f64,
    reference: String,
    target: String,
    ok: bool,
}

fn print_table(title: &str, unit: &str, rows: &[Row]) {
    let mut s = String::new();
    let _ = writeln!(s, "\n{title}");
    let _ = writeln!(
        s,
        "| {unit:>10} | {:>8} | {:>8} | {:<38} | {:<18} |",
        "LRU", "TinyLFU", "reference", "target"
    );
    for r in rows {
        let _ = writeln!(
            s,
            "| {:>10} | {:>8.2} | {:>8.2} | {:<38} | {:<18} |{}",
            r.capacity,
            r.lru,
            r.tinylfu,
            r.reference,
            r.target,
            if r.ok { "" } else { " FAILED" }
        );
    }
    eprint!("{s}");
}

/// Replays a key trace at each capacity with both policies; checks `tinylfu >= min` and
/// LRU against its published figure.
fn entry_trace(title: &str, keys: &[u64], cases: &[(u64, f64, &str, f64)]) {
    let mut rows = Vec::new();
    for &(capacity, lru_ref, reference, min) in cases {
        let lru = replay_keys(entries(PolicyKind::Lru, capacity), keys).ratio();
        let tinylfu = replay_keys(entries(PolicyKind::TinyLfu, capacity), keys).ratio();
        rows.push(Row {
            capacity: capacity.to_string(),
            lru,
            tinylfu,
            reference: format!("LRU {lru_ref:.2}, {reference}"),
            target: format!("TinyLFU >= {min:.2}"),
            ok: tinylfu >= min && (lru - lru_ref).abs() < 0.005,
        });
    }
    print_table(title, "entries", &rows);
    for (r, &(_, lru_ref, _, min)) in rows.iter().zip(cases) {
        assert!(
            (r.lru - lru_ref).abs() < 0.005,
            "{title} at {}: LRU {:.2}, published {lru_ref:.2}",
            r.capacity,
            r.lru
        );
        assert!(
            r.tinylfu >= min,
            "{title} at {}: TinyLFU {:.2} < {min:.2}",
            r.capacity,
            r.tinylfu
        );
    }
}

#[test]
fn trace_shapes_match_the_readme() {
    let oltp = traces::oltp();
    assert_eq!(oltp.len(), 914_145);
    assert_eq!(distinct(&oltp), 186_880);
    let gli = traces::gli();
    assert_eq!(gli.len(), 6_015);
    assert_eq!(distinct(&gli), 2_529);
    let cloud = traces::cloud_physics();
    assert_eq!(cloud.len(), 113_872);
    assert_eq!(
        distinct(&cloud.iter().map(|r| r.id).collect::<Vec<_>>()),
        48_974
    );
    let total: u64 = cloud.iter().map(|r| u64::from(r.size)).sum();
    assert_eq!(total, 4_368_040_448);
}

fn distinct(keys: &[u64]) -> usize {
    keys.iter().collect::<std::collections::HashSet<_>>().len()
}

#[test]
fn oltp_hit_ratios() {
    entry_trace(
        "OLTP (hit %, entries)",
        &traces::oltp(),
        &[
            (1000, 32.83, "ARC 38.95, W-TinyLFU 40.01", 41.0),
            (2000, 42.47, "ARC 46.08, W-TinyLFU 46.09", 47.0),
        ],
    );
}

#[test]
fn gli_hit_ratios() {
    entry_trace(
        "gli (hit %, entries)",
        &traces::gli(),
        &[
            (1000, 11.21, "OPT 53.13", 45.0),
            // A loop a little larger than the cache: within a point of LRU.
            (2000, 57.41, "OPT 57.96", 56.41),
        ],
    );
}

#[test]
fn p3_hit_ratios() {
    let keys = traces::p3();
    assert_eq!(keys.len(), 3_912_296);
    entry_trace(
        "P3 (hit %, entries)",
        &keys,
        &[(32768, 3.57, "ARC 17.11", 19.0)],
    );
}

const MIB: u64 = 1 << 20;
/// libCacheSim's miss counts on cloudPhysicsIO at 128..1024 MiB (test_evictionAlgo.c).
const CLOUD_LRU: [u64; 8] = [93374, 89783, 83572, 81722, 72494, 72104, 71972, 71704];
const CLOUD_ARC: [u64; 8] = [90252, 85861, 78168, 74297, 67381, 65685, 64439, 64772];

fn cloud_outcomes(policy: PolicyKind, requests: &[traces::SizedRequest]) -> Vec<Outcome> {
    (1..=8)
        .map(|i| {
            let config = bytes(policy, i * 128 * MIB);
            replay(config, requests.iter().map(|r| (r.id, u64::from(r.size))))
        })
        .collect()
}

fn cloud_misses(policy: PolicyKind, requests: &[traces::SizedRequest]) -> Vec<u64> {
    cloud_outcomes(policy, requests)
        .iter()
        .map(|o| o.misses)
        .collect()
}

#[test]
fn lru_reproduces_libcachesim_on_cloud_physics() {
    let lru = cloud_misses(PolicyKind::Lru, &traces::cloud_physics());
    assert_eq!(lru, CLOUD_LRU, "byte-bounded LRU miss counts");
}

#[test]
fn cloud_physics_bytes_against_arc() {
    let requests = traces::cloud_physics();
    let lru_outcomes = cloud_outcomes(PolicyKind::Lru, &requests);
    let tinylfu_outcomes = cloud_outcomes(PolicyKind::TinyLfu, &requests);
    let lru: Vec<u64> = lru_outcomes.iter().map(|o| o.misses).collect();
    let tinylfu: Vec<u64> = tinylfu_outcomes.iter().map(|o| o.misses).collect();
    let mut s = String::from(
        "\ncloudPhysicsIO (MISSES, bytes; 113872 requests)\n\
         |   capacity |   LRU | TinyLFU | libCacheSim LRU |   ARC | TinyLFU - ARC | byte misses LRU, TinyLFU (MiB) |\n",
    );
    for i in 0..8 {
        let _ = writeln!(
            s,
            "| {:>6} MiB | {:>5} | {:>7} | {:>15} | {:>5} | {:>+13} | {:>14}, {:>13} |{}",
            (i + 1) * 128,
            lru[i],
            tinylfu[i],
            CLOUD_LRU[i],
            CLOUD_ARC[i],
            tinylfu[i] as i64 - CLOUD_ARC[i] as i64,
            lru_outcomes[i].miss_bytes / MIB,
            tinylfu_outcomes[i].miss_bytes / MIB,
            if tinylfu[i] < CLOUD_ARC[i] {
                ""
            } else {
                " (ARC target missed)"
            }
        );
    }
    eprint!("{s}");
    for i in 0..8 {
        assert!(
            tinylfu[i] < CLOUD_ARC[i],
            "cloudPhysicsIO at {} MiB: TinyLFU {} misses, ARC {}",
            (i + 1) * 128,
            tinylfu[i],
            CLOUD_ARC[i]
        );
    }
}

/// SplitMix64 as a seeded generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        splitmix(self.0)
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `len` requests over `items` keys with Zipf exponent `s`.
fn zipf(seed: u64, items: usize, s: f64, len: usize) -> Vec<u64> {
    let mut cdf = Vec::with_capacity(items);
    let mut sum = 0.0;
    for rank in 1..=items {
        sum += 1.0 / (rank as f64).powf(s);
        cdf.push(sum);
    }
    let mut rng = Rng(seed);
    // Key numbers are scrambled so that popularity is not ordered by key.
    (0..len)
        .map(|_| {
            let u = rng.unit() * sum;
            let rank = cdf.partition_point(|&c| c < u) as u64;
            splitmix(rank ^ seed)
        })
        .collect()
}

/// A recency-heavy workload: the working set (`set` hot keys read uniformly, plus
/// one-off reads of cold keys with probability `noise`) moves to new keys every `phase`
/// requests.
fn shifting(seed: u64, set: u64, phase: usize, noise: f64, len: usize) -> Vec<u64> {
    let mut rng = Rng(seed);
    let mut cold = 1u64 << 40;
    (0..len)
        .map(|i| {
            if rng.unit() < noise {
                cold += 1;
                cold
            } else {
                (i / phase) as u64 * set + rng.below(set)
            }
        })
        .collect()
}

/// Zipf loads: W-TinyLFU well ahead of LRU (by 5 points at least); recency-heavy ones
/// (a working set that moves): within a point of LRU.
#[test]
fn synthetic_workloads_do_not_lose_to_lru() {
    let workloads: Vec<(String, u64, Vec<u64>, f64)> = vec![
        (
            "Zipf 0.9, 100k keys".into(),
            1000,
            zipf(1, 100_000, 0.9, 500_000),
            5.0,
        ),
        (
            "Zipf 0.7, 100k keys".into(),
            5000,
            zipf(2, 100_000, 0.7, 500_000),
            5.0,
        ),
        (
            "shifting 800 keys/50k, 5% noise".into(),
            1000,
            shifting(3, 800, 50_000, 0.05, 1_000_000),
            -1.0,
        ),
        (
            "shifting 2000 keys/20k, 20% noise".into(),
            5000,
            shifting(4, 2000, 20_000, 0.2, 1_000_000),
            -1.0,
        ),
    ];
    let mut rows = Vec::new();
    for (name, capacity, keys, margin) in &workloads {
        let lru = replay_keys(entries(PolicyKind::Lru, *capacity), keys).ratio();
        let tinylfu = replay_keys(entries(PolicyKind::TinyLfu, *capacity), keys).ratio();
        rows.push(Row {
            capacity: capacity.to_string(),
            lru,
            tinylfu,
            reference: name.clone(),
            target: format!("TinyLFU >= LRU {margin:+}"),
            ok: tinylfu >= lru + margin,
        });
    }
    print_table("Synthetic (hit %, entries)", "entries", &rows);
    for (r, (_, _, _, margin)) in rows.iter().zip(&workloads) {
        assert!(
            r.tinylfu >= r.lru + margin,
            "{} at {}: TinyLFU {:.2} vs LRU {:.2}",
            r.reference,
            r.capacity,
            r.tinylfu,
            r.lru
        );
    }
}

/// With both `maxEntries` and `maxBytes`, W-TinyLFU sizes its window and segments by the
/// bound that binds: it hits as often as with that bound alone (and clearly more than LRU),
/// whichever of the two it is.
#[test]
fn tinylfu_with_both_bounds_follows_the_binding_one() {
    let keys = zipf(5, 100_000, 0.9, 300_000);
    let sized = |config: MemoryConfig| replay(config, keys.iter().map(|&k| (k, 100))).ratio();
    let both = |max_entries: u64, max_bytes: u64, policy| MemoryConfig {
        max_entries: Some(max_entries),
        max_bytes: Some(max_bytes),
        ttl: None,
        policy,
        seed: Some(SEED),
    };
    // 1000 entries of 100 bytes: the entry bound binds, then the byte bound.
    let cases = [
        (
            "entries bind",
            both(1000, 10_000_000, PolicyKind::TinyLfu),
            entries(PolicyKind::TinyLfu, 1000),
        ),
        (
            "bytes bind",
            both(1_000_000, 100_000, PolicyKind::TinyLfu),
            bytes(PolicyKind::TinyLfu, 100_000),
        ),
    ];
    let lru = sized(entries(PolicyKind::Lru, 1000));
    for (name, with_both, alone) in cases {
        let (with_both, alone) = (sized(with_both), sized(alone));
        println!("{name}: both bounds {with_both:.2} %, binding bound alone {alone:.2} %, LRU {lru:.2} %");
        assert!(
            (with_both - alone).abs() <= 1.0,
            "{name}: {with_both:.2} vs {alone:.2}"
        );
        assert!(
            with_both >= lru + 5.0,
            "{name}: {with_both:.2} vs LRU {lru:.2}"
        );
    }
}
