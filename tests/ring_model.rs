//! Model properties of the ketama ring: minimal movement on add/remove, replica lists,
//! point counts, balance, and input validation.

#![cfg(not(target_arch = "wasm32"))]

use edgecache::error::ErrorCode;
use edgecache::ring::{HashRing, NodeSpec, RingMode};
use proptest::prelude::*;

fn ids(count: usize) -> Vec<String> {
    (0..count)
        .map(|i| format!("10.1.{}.{}:11211", i / 200, i % 200 + 1))
        .collect()
}

fn equal_ring(count: usize, points: u32, weight: u32, mode: RingMode) -> HashRing {
    let nodes = ids(count)
        .into_iter()
        .map(|id| NodeSpec::weighted(id, weight))
        .collect();
    HashRing::new(nodes, points, mode).expect("valid ring")
}

fn mode() -> impl Strategy<Value = RingMode> {
    prop_oneof![Just(RingMode::Ketama), Just(RingMode::Spy)]
}

fn points() -> impl Strategy<Value = u32> {
    (1u32..=60).prop_map(|q| q * 4)
}

fn keys() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(prop::collection::vec(any::<u8>(), 0..24), 1..200)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn adding_a_node_moves_keys_only_to_it(
        count in 0usize..10, points in points(), weight in 1u32..5, mode in mode(), keys in keys(),
    ) {
        let mut ring = equal_ring(count, points, weight, mode);
        let before: Vec<Option<String>> =
            keys.iter().map(|k| ring.node(k).map(str::to_owned)).collect();
        let new_id = "192.168.7.7:11300";
        ring.add(NodeSpec::weighted(new_id, weight)).expect("add");
        for (key, old) in keys.iter().zip(&before) {
            let now = ring.node(key).expect("non-empty ring");
            prop_assert!(old.as_deref() == Some(now) || now == new_id,
                "key {key:?} moved from {old:?} to {now}");
        }
    }

    #[test]
    fn removing_a_node_moves_only_its_keys(
        count in 1usize..10, pick in any::<prop::sample::Index>(), points in points(),
        weight in 1u32..5, mode in mode(), keys in keys(),
    ) {
        let mut ring = equal_ring(count, points, weight, mode);
        let all = ids(count);
        let gone = pick.get(&all).clone();
        let before: Vec<String> =
            keys.iter().map(|k| ring.node(k).expect("non-empty").to_owned()).collect();
        prop_assert!(ring.remove(&gone));
        prop_assert!(!ring.remove(&gone));
        prop_assert_eq!(ring.len(), count - 1);
        for (key, old) in keys.iter().zip(&before) {
            let now = ring.node(key);
            if *old == gone {
                prop_assert!(now != Some(gone.as_str()));
            } else {
                prop_assert_eq!(now, Some(old.as_str()), "key {:?} moved", key);
            }
        }
    }

    #[test]
    fn replica_lists(
        weights in prop::collection::vec(1u32..1000, 0..12), points in points(), mode in mode(),
        n in 0usize..20, keys in keys(),
    ) {
        let nodes = ids(weights.len())
            .into_iter()
            .zip(&weights)
            .map(|(id, &w)| NodeSpec::weighted(id, w))
            .collect();
        let ring = HashRing::new(nodes, points, mode).expect("valid ring");
        let mut reused = Vec::new();
        for key in &keys {
            let owners = ring.nodes(key, n);
            prop_assert_eq!(owners.len(), n.min(ring.len()));
            let mut sorted = owners.clone();
            sorted.sort_unstable();
            sorted.dedup();
            prop_assert_eq!(sorted.len(), owners.len(), "duplicates in {:?}", owners);
            if n > 0 {
                prop_assert_eq!(owners.first().copied(), ring.node(key));
            }
            // A shorter list is a prefix of a longer one (ring order).
            let all = ring.nodes(key, ring.len());
            prop_assert_eq!(&all[..owners.len()], &owners[..]);
            ring.nodes_into(key, n, &mut reused);
            prop_assert_eq!(&reused, &owners);
        }
    }

    #[test]
    fn equal_weights_get_points_per_node(
        count in 1usize..64, points in points(), weight in 1u32..10_000, mode in mode(),
    ) {
        let ring = equal_ring(count, points, weight, mode);
        for id in ring.ids() {
            prop_assert_eq!(ring.points_of(id), Some(points));
        }
        prop_assert_eq!(ring.total_points(), count * points as usize);
    }

    #[test]
    fn weighted_points_are_whole_digests(
        weights in prop::collection::vec(1u32..100_000, 1..30), points in points(),
    ) {
        let nodes = ids(weights.len())
            .into_iter()
            .zip(&weights)
            .map(|(id, &w)| NodeSpec::weighted(id, w))
            .collect();
        let ring = HashRing::new(nodes, points, RingMode::Ketama).expect("valid ring");
        let mut sum = 0usize;
        for id in ring.ids() {
            let p = ring.points_of(id).expect("listed");
            prop_assert!(p >= 4 && p.is_multiple_of(4), "{id}: {p} points");
            sum += p as usize;
        }
        prop_assert_eq!(sum, ring.total_points());
    }

    #[test]
    fn incremental_build_equals_batch_build(
        weights in prop::collection::vec(1u32..50, 1..10), points in points(), mode in mode(),
        keys in keys(),
    ) {
        let specs: Vec<NodeSpec> = ids(weights.len())
            .into_iter()
            .zip(&weights)
            .map(|(id, &w)| NodeSpec::weighted(id, w))
            .collect();
        let batch = HashRing::new(specs.clone(), points, mode).expect("valid ring");
        let mut grown = HashRing::new(Vec::new(), points, mode).expect("empty ring");
        for spec in specs {
            grown.add(spec).expect("add");
        }
        for key in &keys {
            prop_assert_eq!(batch.node(key), grown.node(key));
            prop_assert_eq!(batch.point_for(key), grown.point_for(key));
        }
    }
}

#[test]
fn balance_with_many_points() {
    let ring = equal_ring(50, 1000, 1, RingMode::Ketama);
    let names: Vec<String> = ring.ids().map(str::to_owned).collect();
    let mut counts = vec![0u32; names.len()];
    let total = 200_000u32;
    for i in 0..total {
        let owner = ring.node(format!("key:{i}").as_bytes()).expect("non-empty");
        let at = names.iter().position(|n| n == owner).expect("known id");
        counts[at] += 1;
    }
    let mean = f64::from(total) / names.len() as f64;
    let max = f64::from(*counts.iter().max().expect("50 nodes"));
    assert!(max / mean <= 1.10, "max/mean {:.4}: {counts:?}", max / mean);
}

#[test]
fn many_replicas_use_the_bitmap_path() {
    let ring = equal_ring(100, 40, 1, RingMode::Ketama);
    for i in 0..50 {
        let key = format!("k{i}");
        let owners = ring.nodes(key.as_bytes(), 1000);
        assert_eq!(owners.len(), 100);
        let mut sorted = owners.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 100);
        assert_eq!(owners.first().copied(), ring.node(key.as_bytes()));
        assert_eq!(ring.nodes(key.as_bytes(), 16)[..], owners[..16]);
        assert_eq!(ring.nodes(key.as_bytes(), 17)[..], owners[..17]);
    }
}

#[test]
fn empty_ring() {
    let mut ring = HashRing::new(Vec::new(), 160, RingMode::default()).expect("empty ring");
    assert!(ring.is_empty());
    assert_eq!(ring.node(b"x"), None);
    assert_eq!(ring.point_for(b"x"), None);
    assert!(ring.nodes(b"x", 3).is_empty());
    assert!(!ring.remove("a:1"));
    ring.add(NodeSpec::new("a:1")).expect("add");
    assert_eq!(ring.node(b"x"), Some("a:1"));
    assert_eq!(ring.nodes(b"x", 3), vec!["a:1"]);
    assert!(ring.remove("a:1"));
    assert_eq!(ring.node(b"x"), None);
}

#[test]
fn starved_weight_still_gets_one_digest() {
    // libmemcached's formula gives the weight-1 node 0 points here; the ring gives it 4.
    let nodes = vec![NodeSpec::weighted("a", 1), NodeSpec::weighted("b", 10_000)];
    let ring = HashRing::new(nodes, 160, RingMode::Ketama).expect("valid ring");
    assert_eq!(ring.points_of("a"), Some(4));
    assert_eq!(ring.points_of("b"), Some(316));
    assert_eq!(ring.nodes(b"anything", 2).len(), 2);
}

fn config_error(nodes: Vec<NodeSpec>, points: u32) -> String {
    let err = HashRing::new(nodes, points, RingMode::Ketama).expect_err("should be rejected");
    assert_eq!(err.code(), ErrorCode::Config);
    err.message().to_owned()
}

#[test]
fn rejects_bad_configuration() {
    let one = || vec![NodeSpec::new("a:11211")];
    for points in [0, 2, 162, 10_004] {
        assert!(
            config_error(one(), points).contains("multiple of 4"),
            "{points}"
        );
    }
    assert!(HashRing::new(one(), 10_000, RingMode::Ketama).is_ok());
    assert!(config_error(vec![NodeSpec::new("")], 160).contains("empty"));
    assert!(config_error(vec![NodeSpec::weighted("a", 0)], 160).contains("weight 0"));
    let dup = vec![NodeSpec::new("a:1"), NodeSpec::new("a:1")];
    assert!(config_error(dup, 160).contains("twice"));
    let same = vec![NodeSpec::new("a"), NodeSpec::new("a:11211")];
    assert!(config_error(same, 160).contains("same server"));
    let same6 = vec![NodeSpec::new("::1"), NodeSpec::new("[::1]:11211")];
    assert!(config_error(same6, 160).contains("same server"));
    // The first problem in list order is the one named, whatever its kind.
    let specs = |ids: &[&str]| ids.iter().map(|id| NodeSpec::new(*id)).collect::<Vec<_>>();
    let message = config_error(specs(&["b", "c", "b", "c:11211", ""]), 160);
    assert!(message.contains("\"b\" is listed twice"), "{message}");
    let message = config_error(specs(&["b", "c", "c:11211", "b", ""]), 160);
    assert!(
        message.contains("\"c:11211\" names the same server"),
        "{message}"
    );
    let message = config_error(specs(&["b", "", "b"]), 160);
    assert!(message.contains("empty"), "{message}");
    let message = config_error(specs(&["x", "y", "z", "y", "x"]), 160);
    assert!(message.contains("\"y\" is listed twice"), "{message}");
    for bad in [
        "a:", "a:x", "a:0", "a:65536", "a:+1", ":11211", "[::1", "[::1]x", "[]:1",
    ] {
        let message = config_error(vec![NodeSpec::new(bad)], 160);
        assert!(message.contains(bad), "{bad}: {message}");
    }
    assert!(config_error(vec![NodeSpec::new("a b:1")], 160).contains("whitespace"));
    let many = (0..30_000)
        .map(|i| NodeSpec::new(format!("n{i}")))
        .collect();
    assert!(config_error(many, 160).contains("fewer nodes"));

    // A failed add leaves the ring as it was.
    let mut ring = HashRing::new(one(), 160, RingMode::Ketama).expect("valid ring");
    let owner = ring.node(b"k").map(str::to_owned);
    for bad in [
        NodeSpec::new("a:11211"),
        NodeSpec::new("a"),
        NodeSpec::weighted("b", 0),
        NodeSpec::new(""),
    ] {
        let err = ring.add(bad).expect_err("should be rejected");
        assert_eq!(err.code(), ErrorCode::Config);
    }
    assert_eq!(ring.len(), 1);
    assert_eq!(ring.node(b"k").map(str::to_owned), owner);
}

#[test]
fn ports_and_modes() {
    // Off the default port, ketama point keys carry the port: placement differs.
    let spec = |port: u16| {
        (1..=5)
            .map(|i| NodeSpec::new(format!("10.0.0.{i}:{port}")))
            .collect::<Vec<_>>()
    };
    let default = HashRing::new(spec(11211), 160, RingMode::Ketama).expect("valid");
    let other = HashRing::new(spec(11212), 160, RingMode::Ketama).expect("valid");
    let spy = HashRing::new(spec(11211), 160, RingMode::Spy).expect("valid");
    let differs = |a: &HashRing, b: &HashRing| {
        (0..200).any(|i| {
            let k = format!("k{i}");
            a.point_for(k.as_bytes()) != b.point_for(k.as_bytes())
        })
    };
    assert!(differs(&default, &other));
    assert!(differs(&default, &spy));
    assert_eq!(spy.mode(), RingMode::Spy);
    assert_eq!(default.points_per_node(), 160);
    assert_eq!(default.weight("10.0.0.1:11211"), Some(1));
}
