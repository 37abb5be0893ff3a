//! `RingEngine` driven as `pkg/src/ring.js` drives it: keys written as UTF-8 into the key
//! buffer (`keyPtr`/`keyLen`), owners read from the owners buffer (`ownersPtr`/`ownersLen`),
//! indices mapped to ids through `ids()`; placements checked against libmemcached's
//! vectors.

use crate::support::{assert_error, num, options, text, u32_view, u8_view};
use edgecache::ring::{HashRing, NodeSpec, RingMode};
use edgecache::wasm::RingEngine;
use js_sys::Array;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

/// The weighted server list of libmemcached's ketama vectors (the README's, in its order).
const SERVERS: [(&str, f64); 8] = [
    ("10.0.1.1:11211", 600.0),
    ("10.0.1.2:11211", 300.0),
    ("10.0.1.3:11211", 200.0),
    ("10.0.1.4:11211", 350.0),
    ("10.0.1.5:11211", 1000.0),
    ("10.0.1.6:11211", 800.0),
    ("10.0.1.7:11211", 950.0),
    ("10.0.1.8:11211", 100.0),
];

/// Lines of tests/fixtures/vectors/ketama_libmemcached.tsv: key, ketama owner, spymemcached
/// owner (hosts; every server is on port 11211).
const VECTORS: [(&str, &str, &str); 6] = [
    ("SVa_]_V41)", "10.0.1.7", "10.0.1.2"),
    (r"*/Z;?V(.\8", "10.0.1.1", "10.0.1.4"),
    ("ERR:EC58G>", "10.0.1.7", "10.0.1.7"),
    ("1I=cTMNTKF", "10.0.1.5", "10.0.1.4"),
    ("P1[Ma3=K1/", "10.0.1.8", "10.0.1.1"),
    (r"\`)<B)UE,c", "10.0.1.1", "10.0.1.8"),
];

fn servers() -> JsValue {
    let nodes = Array::new();
    for (id, weight) in SERVERS {
        nodes.push(&options(&[("id", text(id)), ("weight", num(weight))]));
    }
    nodes.into()
}

fn ids(list: &[&str]) -> JsValue {
    list.iter().map(|id| text(id)).collect::<Array>().into()
}

/// Writes `key` into the engine's key buffer, as `HashRing.#encode` does; its byte length.
fn put_key(ring: &RingEngine, key: &str) -> u32 {
    let bytes = key.as_bytes();
    let view = u8_view(ring.key_ptr(), ring.key_len());
    view.subarray(0, bytes.len() as u32).copy_from(bytes);
    bytes.len() as u32
}

/// The id of the node owning `key`, as `HashRing.node` finds it.
fn owner(ring: &RingEngine, key: &str) -> String {
    let index = ring.node(put_key(ring, key)).expect("the ring has nodes");
    ring.ids()[index as usize].clone()
}

/// Up to `n` owners of `key`, as `HashRing.nodes` reads them from the owners buffer.
fn owners(ring: &mut RingEngine, key: &str, n: u32) -> Vec<String> {
    let len = put_key(ring, key);
    let count = ring.nodes(len, n);
    let ids = ring.ids();
    let view = u32_view(ring.owners_ptr(), ring.owners_len());
    (0..count)
        .map(|i| ids[view.get_index(i) as usize].clone())
        .collect()
}

#[wasm_bindgen_test]
fn weighted_ketama_placements_match_libmemcached_vectors() {
    let ring = RingEngine::new(servers(), JsValue::UNDEFINED).unwrap();
    assert_eq!(
        ring.ids(),
        SERVERS
            .iter()
            .map(|(id, _)| id.to_string())
            .collect::<Vec<_>>(),
        "ids in the order given"
    );
    assert_eq!(
        ring.key_len(),
        3 * 4096,
        "room for the longest key in UTF-8"
    );
    for (key, ketama, _) in VECTORS {
        assert_eq!(owner(&ring, key), format!("{ketama}:11211"), "{key}");
    }
}

#[wasm_bindgen_test]
fn spy_mode_placements_match_spymemcached_vectors() {
    let ring = RingEngine::new(servers(), options(&[("mode", text("spy"))])).unwrap();
    for (key, _, spy) in VECTORS {
        assert_eq!(owner(&ring, key), format!("{spy}:11211"), "{key}");
    }
    let ketama = RingEngine::new(servers(), options(&[("mode", text("ketama"))])).unwrap();
    assert_eq!(
        owner(&ketama, VECTORS[0].0),
        "10.0.1.7:11211",
        "ketama named explicitly"
    );
}

#[wasm_bindgen_test]
fn utf8_keys_and_points_per_node_place_as_the_core_ring_does() {
    let ring = RingEngine::new(
        ids(&["a:1", "b:2", "c:3", "d:4"]),
        options(&[("pointsPerNode", num(40.0))]),
    )
    .unwrap();
    let core = HashRing::new(
        ["a:1", "b:2", "c:3", "d:4"]
            .into_iter()
            .map(NodeSpec::new)
            .collect(),
        40,
        RingMode::Ketama,
    )
    .unwrap();
    for key in ["ключ", "😀 emoji", "mixed-ü-key:42", "plain"] {
        assert_eq!(
            Some(owner(&ring, key).as_str()),
            core.node(key.as_bytes()),
            "{key}"
        );
    }
    let longest = "é".repeat(4096);
    assert_eq!(put_key(&ring, &longest), 8192);
    assert_eq!(
        Some(owner(&ring, &longest).as_str()),
        core.node(longest.as_bytes())
    );
}

#[wasm_bindgen_test]
fn nodes_writes_distinct_owners_in_ring_order_to_the_owners_buffer() {
    let mut ring = RingEngine::new(servers(), JsValue::UNDEFINED).unwrap();
    assert_eq!(ring.owners_len(), 8, "one slot per node");
    for (key, ketama, _) in VECTORS {
        let three = owners(&mut ring, key, 3);
        assert_eq!(three.len(), 3);
        assert_eq!(
            three[0],
            format!("{ketama}:11211"),
            "starting with node(key)"
        );
        let all = owners(&mut ring, key, 100);
        assert_eq!(all.len(), 8, "at most every node");
        assert_eq!(&all[..3], &three[..], "a prefix of the longer walk");
        let mut distinct = all.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 8, "distinct owners");
    }
    let len = put_key(&ring, "k");
    assert_eq!(ring.nodes(len, 0), 0);
}

#[wasm_bindgen_test]
fn an_empty_ring_has_no_owner_until_a_node_is_added() {
    let mut ring = RingEngine::new(Array::new().into(), JsValue::UNDEFINED).unwrap();
    assert!(ring.ids().is_empty());
    assert_eq!(ring.owners_len(), 0);
    let len = put_key(&ring, "user:1");
    assert_eq!(ring.node(len), None);
    assert_eq!(ring.nodes(len, 3), 0);
    ring.add(text("10.0.1.1:11211")).unwrap();
    assert_eq!(
        ring.owners_len(),
        1,
        "the owners buffer follows the node count"
    );
    assert_eq!(owner(&ring, "user:1"), "10.0.1.1:11211");
    assert_eq!(owners(&mut ring, "user:1", 3), vec!["10.0.1.1:11211"]);
    assert!(ring.remove("10.0.1.1:11211"));
    let len = put_key(&ring, "user:1");
    assert_eq!(ring.node(len), None, "empty again");
}

#[wasm_bindgen_test]
fn with_equal_weights_adding_a_node_moves_keys_only_to_it_and_removing_it_moves_them_back() {
    let mut ring = RingEngine::new(ids(&["a:1", "b:1", "c:1"]), JsValue::UNDEFINED).unwrap();
    let keys: Vec<String> = (0..300).map(|i| format!("key:{i}")).collect();
    let before: Vec<String> = keys.iter().map(|k| owner(&ring, k)).collect();
    ring.add(options(&[("id", text("d:1"))])).unwrap();
    assert_eq!(ring.ids(), vec!["a:1", "b:1", "c:1", "d:1"]);
    assert_eq!(ring.owners_len(), 4);
    let after: Vec<String> = keys.iter().map(|k| owner(&ring, k)).collect();
    let moved = before.iter().zip(&after).filter(|(b, a)| b != a).count();
    assert!(moved > 30, "about a quarter of the keys move ({moved})");
    for (b, a) in before.iter().zip(&after) {
        assert!(a == b || a == "d:1", "{b} -> {a}: only to the new node");
    }
    assert!(ring.remove("d:1"));
    assert!(!ring.remove("d:1"), "already gone");
    assert!(!ring.remove("nowhere:1"));
    assert!(!ring.remove(""));
    let back: Vec<String> = keys.iter().map(|k| owner(&ring, k)).collect();
    assert_eq!(back, before, "removing it moves exactly its keys back");
}

#[wasm_bindgen_test]
fn a_server_is_one_node_whichever_way_its_default_port_is_spelled() {
    let mut ring = RingEngine::new(ids(&["10.0.1.9:11211"]), JsValue::UNDEFINED).unwrap();
    let err = ring.add(text("10.0.1.9")).unwrap_err();
    assert!(assert_error(&err, "E_ARGUMENT").contains("same server"));
    assert!(ring.remove("10.0.1.9"), "removed under its other spelling");
    assert!(ring.ids().is_empty());
}

#[wasm_bindgen_test]
fn bad_nodes_and_options_throw_config_errors_and_the_module_stays_usable() {
    let node = |fields: &[(&str, JsValue)]| -> JsValue { Array::of1(&options(fields)).into() };
    for (nodes, opts) in [
        (text("10.0.1.1:11211"), JsValue::UNDEFINED),
        (JsValue::NULL, JsValue::UNDEFINED),
        (Array::of1(&num(5.0)).into(), JsValue::UNDEFINED),
        (Array::of1(&JsValue::NULL).into(), JsValue::UNDEFINED),
        (node(&[("weight", num(2.0))]), JsValue::UNDEFINED),
        (
            node(&[("id", text("a")), ("weight", num(0.0))]),
            JsValue::UNDEFINED,
        ),
        (
            node(&[("id", text("a")), ("weight", num(1.5))]),
            JsValue::UNDEFINED,
        ),
        (
            node(&[("id", text("a")), ("weight", text("2"))]),
            JsValue::UNDEFINED,
        ),
        (node(&[("id", num(7.0))]), JsValue::UNDEFINED),
        (
            node(&[("id", text("a")), ("port", num(1.0))]),
            JsValue::UNDEFINED,
        ),
        (ids(&["a", "a"]), JsValue::UNDEFINED),
        (ids(&["h", "h:11211"]), JsValue::UNDEFINED),
        (ids(&[""]), JsValue::UNDEFINED),
        (ids(&["a"]), options(&[("pointsPerNode", num(6.0))])),
        (ids(&["a"]), options(&[("pointsPerNode", num(0.0))])),
        (ids(&["a"]), options(&[("pointsPerNode", num(10_004.0))])),
        (ids(&["a"]), options(&[("pointsPerNode", num(f64::NAN))])),
        (ids(&["a"]), options(&[("pointsPerNode", text("160"))])),
        (ids(&["a"]), options(&[("mode", text("twemproxy"))])),
        (ids(&["a"]), options(&[("replicas", num(2.0))])),
        (ids(&["a"]), text("ketama")),
        (ids(&["a"]), JsValue::NULL),
        (ids(&["a"]), Array::new().into()),
    ] {
        let err = RingEngine::new(nodes.clone(), opts.clone())
            .err()
            .unwrap_or_else(|| panic!("{nodes:?} {opts:?} must throw"));
        assert_error(&err, "E_CONFIG");
    }
    let ring = RingEngine::new(ids(&["a"]), options(&[("pointsPerNode", num(4.0))])).unwrap();
    assert_eq!(owner(&ring, "k"), "a");
}

#[wasm_bindgen_test]
fn a_bad_or_duplicate_added_node_throws_an_argument_error_and_changes_nothing() {
    let mut ring = RingEngine::new(ids(&["a:1", "b:1"]), JsValue::UNDEFINED).unwrap();
    let keys: Vec<String> = (0..50).map(|i| format!("k{i}")).collect();
    let before: Vec<String> = keys.iter().map(|k| owner(&ring, k)).collect();
    for bad in [
        text("a:1"),
        options(&[("id", text("b:1")), ("weight", num(3.0))]),
        num(3.0),
        JsValue::NULL,
        JsValue::UNDEFINED,
        text(""),
        options(&[("id", text("c:1")), ("weight", num(0.0))]),
        options(&[("id", text("c:1")), ("weight", num(-2.0))]),
        options(&[("weight", num(1.0))]),
        options(&[("id", text("c:1")), ("colour", text("red"))]),
        Array::of1(&text("c:1")).into(),
    ] {
        let err = ring
            .add(bad.clone())
            .err()
            .unwrap_or_else(|| panic!("{bad:?}"));
        assert_error(&err, "E_ARGUMENT");
        assert_eq!(ring.ids(), vec!["a:1", "b:1"], "unchanged after {bad:?}");
        assert_eq!(ring.owners_len(), 2);
    }
    let after: Vec<String> = keys.iter().map(|k| owner(&ring, k)).collect();
    assert_eq!(after, before);
    ring.add(options(&[("id", text("c:1")), ("weight", num(1.0))]))
        .unwrap();
    assert_eq!(ring.ids(), vec!["a:1", "b:1", "c:1"]);
}

#[wasm_bindgen_test]
fn a_length_past_the_key_buffer_finds_no_owner_instead_of_panicking() {
    let mut ring = RingEngine::new(ids(&["a:1", "b:1"]), JsValue::UNDEFINED).unwrap();
    let too_long = ring.key_len() + 1;
    assert_eq!(ring.node(too_long), None);
    assert_eq!(ring.nodes(too_long, 2), 0);
    assert_eq!(ring.nodes(u32::MAX, u32::MAX), 0);
    let len = ring.key_len();
    assert!(ring.node(len).is_some(), "the whole buffer is a valid key");
    assert_eq!(owners(&mut ring, "k", u32::MAX).len(), 2);
}
