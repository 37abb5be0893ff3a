//! libmemcached's 99 weighted ketama vectors (tests/fixtures/vectors/ketama_libmemcached.tsv): the
//! key hash, the continuum point chosen, and the owner in ketama and spymemcached modes.

#![cfg(not(target_arch = "wasm32"))]

use edgecache::ring::{hash_key, HashRing, NodeSpec, RingMode, DEFAULT_POINTS_PER_NODE};

const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/vectors/ketama_libmemcached.tsv"
);

/// The server list of the README, in its order.
const SERVERS: [(&str, u32); 8] = [
    ("10.0.1.1:11211", 600),
    ("10.0.1.2:11211", 300),
    ("10.0.1.3:11211", 200),
    ("10.0.1.4:11211", 350),
    ("10.0.1.5:11211", 1000),
    ("10.0.1.6:11211", 800),
    ("10.0.1.7:11211", 950),
    ("10.0.1.8:11211", 100),
];

struct Vector {
    line: usize,
    key: Vec<u8>,
    hash1: u32,
    hash2: u32,
    ketama: String,
    spy: String,
}

fn load() -> Vec<Vector> {
    let bytes = std::fs::read(VECTORS).unwrap_or_else(|e| {
        panic!("cannot read the ketama vectors at {VECTORS}: {e}; they live in tests/fixtures/vectors/")
    });
    let mut lines = bytes.split(|&b| b == b'\n');
    let header = lines.next().expect("empty vector file");
    assert_eq!(
        header.strip_suffix(b"\r").unwrap_or(header),
        b"key\thash1\thash2\tketama\tspy",
        "unexpected header in {VECTORS}"
    );
    let mut vectors = Vec::new();
    for (n, line) in lines.enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&[u8]> = line.split(|&b| b == b'\t').collect();
        assert_eq!(fields.len(), 5, "line {}: expected 5 columns", n + 2);
        let text = |i: usize| {
            std::str::from_utf8(fields[i])
                .expect("ASCII column")
                .to_owned()
        };
        vectors.push(Vector {
            line: n + 2,
            // Raw: a `\` in the file is one literal backslash, no unescaping.
            key: fields[0].to_vec(),
            hash1: text(1).parse().expect("hash1 is a u32"),
            hash2: text(2).parse().expect("hash2 is a u32"),
            ketama: text(3),
            spy: text(4),
        });
    }
    vectors
}

fn ring(mode: RingMode) -> HashRing {
    let nodes = SERVERS
        .iter()
        .map(|&(id, weight)| NodeSpec::weighted(id, weight))
        .collect();
    HashRing::new(nodes, DEFAULT_POINTS_PER_NODE, mode).expect("valid ring")
}

fn host(id: &str) -> &str {
    id.split(':').next().unwrap_or(id)
}

#[test]
fn weighted_point_counts_match_the_readme() {
    let expected = [176, 88, 56, 104, 296, 236, 280, 28];
    for mode in [RingMode::Ketama, RingMode::Spy] {
        let ring = ring(mode);
        for (&(id, _), &points) in SERVERS.iter().zip(expected.iter()) {
            assert_eq!(ring.points_of(id), Some(points), "{id} in {mode:?} mode");
        }
        assert_eq!(ring.total_points(), expected.iter().sum::<u32>() as usize);
    }
}

#[test]
fn libmemcached_vectors() {
    let vectors = load();
    let ketama = ring(RingMode::Ketama);
    let spy = ring(RingMode::Spy);
    let mut checked = 0;
    for v in &vectors {
        let shown = String::from_utf8_lossy(&v.key);
        assert_eq!(
            hash_key(&v.key),
            v.hash1,
            "line {}: hash1 of {shown}",
            v.line
        );
        assert_eq!(
            ketama.point_for(&v.key),
            Some(v.hash2),
            "line {}: hash2 of {shown}",
            v.line
        );
        assert_eq!(
            ketama.node(&v.key).map(host),
            Some(v.ketama.as_str()),
            "line {}: ketama server of {shown}",
            v.line
        );
        assert_eq!(
            spy.node(&v.key).map(host),
            Some(v.spy.as_str()),
            "line {}: spy server of {shown}",
            v.line
        );
        assert_eq!(
            ketama.nodes(&v.key, 1).first().copied(),
            ketama.node(&v.key),
            "line {}",
            v.line
        );
        checked += 1;
    }
    assert_eq!(checked, 99, "expected exactly 99 vectors in {VECTORS}");
}

#[test]
fn default_port_rule_places_alike() {
    // Omitting the default port is the same server; in ketama mode a non-default port
    // changes the point keys and so the placement.
    let vectors = load();
    let bare = HashRing::new(
        SERVERS
            .iter()
            .map(|&(id, w)| NodeSpec::weighted(host(id), w))
            .collect(),
        DEFAULT_POINTS_PER_NODE,
        RingMode::Ketama,
    )
    .expect("valid ring");
    let spy_bare = HashRing::new(
        SERVERS
            .iter()
            .map(|&(id, w)| NodeSpec::weighted(host(id), w))
            .collect(),
        DEFAULT_POINTS_PER_NODE,
        RingMode::Spy,
    )
    .expect("valid ring");
    for v in &vectors {
        assert_eq!(bare.node(&v.key), Some(v.ketama.as_str()));
        assert_eq!(bare.point_for(&v.key), Some(v.hash2));
        assert_eq!(spy_bare.node(&v.key), Some(v.spy.as_str()));
    }
}

#[test]
fn wrap_around_key() {
    // The README: `VDEAAAAA` hashes past the last point and wraps to the first.
    let ring = ring(RingMode::Ketama);
    let key = b"VDEAAAAA";
    let point = ring.point_for(key).expect("non-empty ring");
    assert!(
        hash_key(key) > point,
        "expected a wrap: hash {} point {point}",
        hash_key(key)
    );
}
