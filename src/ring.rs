//! The ketama consistent-hash ring: which node owns a key.
//!
//! The continuum is built exactly as libmemcached's `update_continuum` does in weighted
//! ketama mode, so a pool moved from libmemcached, pylibmc or spymemcached keeps every key
//! on the node it was on (checked against libmemcached's own 99 test vectors):
//!
//! 1. Points per node. When all weights are equal, every node gets `points_per_node` points.
//!    Otherwise, in float32 arithmetic as libmemcached:
//!    `pct = weight / total_weight`;
//!    `points = floor(pct * points_per_node / 4 * node_count + 1e-10) * 4`.
//! 2. For `j` in `0 .. points / 4` the point key is `"<host>-<j>"` when the port is the
//!    default 11211 or absent, else `"<host>:<port>-<j>"`; in [`RingMode::Spy`]
//!    (spymemcached) it is always `"/<host>:<port>-<j>"`.
//! 3. Each MD5 digest of a point key gives 4 points (its four little-endian `u32` words).
//! 4. Points are sorted ascending; equal points keep insertion order (node order, then `j`,
//!    then word), which is deterministic where libmemcached's `qsort` is not.
//!
//! A key hashes to the first 4 bytes of `md5(key)` read little-endian ([`hash_key`]) and is
//! owned by the node of the first point `>=` that hash, wrapping to the first point.
//!
//! Two deliberate differences from libmemcached, both outside its test vectors:
//! - With equal weights each node gets exactly `points_per_node` points. libmemcached's
//!   float formula gives 4 fewer for some node counts (e.g. 25, 47 or 50 nodes at 160).
//! - A node whose weight share would round to no points at all gets one digest (4 points),
//!   so every listed node receives keys. libmemcached would leave such a node unused.
//!
//! With unequal weights the point count of every node depends on the total weight and the
//! node count, so [`HashRing::add`] and [`HashRing::remove`] change every node's points and
//! move some keys between nodes that stayed (libmemcached behaves the same). With equal
//! weights adding a node moves keys only to it, and removing one moves only its keys.

use std::collections::BinaryHeap;
use std::fmt::Write as _;

use md5::{Digest, Md5};

use crate::error::{Error, Result};

/// The classic ketama point count per node.
pub const DEFAULT_POINTS_PER_NODE: u32 = 160;

/// The largest accepted `points_per_node`.
pub const MAX_POINTS_PER_NODE: u32 = 10_000;

/// The largest accepted `node count × points_per_node` (bounds the ring's memory, 8 bytes a
/// point).
pub const MAX_TOTAL_POINTS: u64 = 1 << 22;

/// The memcached port that libmemcached leaves out of ketama point keys.
pub const DEFAULT_PORT: u16 = 11211;

/// Longest accepted node id, in bytes.
pub const MAX_ID_LEN: usize = 1024;

/// Up to this many owners, [`HashRing::nodes_into`] tracks the nodes it has seen on the stack.
const SMALL_REPLICAS: usize = 16;

/// How point keys are spelled: which client the ring is compatible with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RingMode {
    /// libmemcached / pylibmc ketama: `"<host>-<j>"`, or `"<host>:<port>-<j>"` off port 11211.
    #[default]
    Ketama,
    /// spymemcached ketama: `"/<host>:<port>-<j>"`, the port always written (11211 if absent).
    Spy,
}

/// A node to place on the ring: an id (`host:port`, `[ipv6]:port` or a bare name) and a
/// weight.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NodeSpec {
    /// The node id, e.g. `"10.0.1.1:11211"`; ids without a port use the id as the host.
    pub id: String,
    /// The relative weight, at least 1; only ratios between nodes matter.
    pub weight: u32,
}

impl NodeSpec {
    /// A node of weight 1.
    pub fn new(id: impl Into<String>) -> Self {
        NodeSpec {
            id: id.into(),
            weight: 1,
        }
    }

    /// A node of the given weight.
    pub fn weighted(id: impl Into<String>, weight: u32) -> Self {
        NodeSpec {
            id: id.into(),
            weight,
        }
    }
}

/// One node as the ring holds it.
#[derive(Clone, Debug)]
struct Node {
    id: String,
    weight: u32,
    /// The point key without its `-<j>` suffix, e.g. `"10.0.1.1"` or `"/10.0.1.1:11211"`.
    prefix: String,
    /// Points this node has on the continuum (a multiple of 4).
    points: u32,
}

/// A ketama consistent-hash ring over a set of weighted nodes.
///
/// Lookups are a binary search over the sorted continuum and allocate nothing.
#[derive(Clone, Debug)]
pub struct HashRing {
    nodes: Vec<Node>,
    points_per_node: u32,
    mode: RingMode,
    /// `(point, index into nodes)`, sorted by point; ties in insertion order.
    continuum: Vec<(u32, u32)>,
}

/// The ring hash of a key: the first 4 bytes of `md5(key)` as a little-endian `u32`
/// (libmemcached's `MEMCACHED_HASH_MD5`).
pub fn hash_key(key: &[u8]) -> u32 {
    let [b0, b1, b2, b3, ..]: [u8; 16] = Md5::digest(key).into();
    u32::from_le_bytes([b0, b1, b2, b3])
}

impl HashRing {
    /// Builds a ring of `nodes` with `points_per_node` points for an average node.
    ///
    /// `points_per_node` must be a multiple of 4 in `4..=10000` (160 is classic ketama).
    /// Ids must be non-empty, unique (also after the default port rule: `"h"` and
    /// `"h:11211"` are the same server) and weights at least 1. An empty `nodes` gives an
    /// empty ring whose lookups return `None`.
    pub fn new(nodes: Vec<NodeSpec>, points_per_node: u32, mode: RingMode) -> Result<HashRing> {
        check_points_per_node(points_per_node)?;
        check_total(nodes.len(), points_per_node)?;
        let mut ring = HashRing {
            nodes: Vec::with_capacity(nodes.len()),
            points_per_node,
            mode,
            continuum: Vec::new(),
        };
        // The first node (in list order) that is invalid, or repeats an earlier id, or names
        // an earlier server, is the one reported, in that order of checks.
        let mut prefixes = Vec::with_capacity(nodes.len());
        let mut invalid = None;
        for spec in &nodes {
            match check_spec(spec, mode) {
                Ok(prefix) => prefixes.push(prefix),
                Err(error) => {
                    invalid = Some(error);
                    break;
                }
            }
        }
        let checked = prefixes.len();
        let repeated_id = first_repeat(checked, |i| nodes.get(i).map_or("", |n| n.id.as_str()));
        let repeated_server = first_repeat(checked, |i| prefixes.get(i).map_or("", String::as_str));
        match (repeated_id, repeated_server) {
            (Some(i), server) if server.is_none_or(|s| i <= s) => {
                let id = nodes.get(i).map_or("", |n| n.id.as_str());
                return Err(Error::config(format!(
                    "ring: node id \"{id}\" is listed twice; list each node once"
                )));
            }
            (_, Some(i)) => return Err(same_server(nodes.get(i).map_or("", |n| n.id.as_str()))),
            _ => {}
        }
        if let Some(error) = invalid {
            return Err(error);
        }
        for (spec, prefix) in nodes.into_iter().zip(prefixes) {
            ring.nodes.push(Node {
                id: spec.id,
                weight: spec.weight,
                prefix,
                points: 0,
            });
        }
        ring.rebuild();
        Ok(ring)
    }

    /// The node that owns `key`, or `None` when the ring is empty.
    pub fn node(&self, key: &[u8]) -> Option<&str> {
        self.id_at(self.node_index(key)?)
    }

    /// The index (in [`HashRing::ids`] order) of the node that owns `key`, or `None` when
    /// the ring is empty.
    pub fn node_index(&self, key: &[u8]) -> Option<u32> {
        self.locate(hash_key(key)).map(|(_, index)| index)
    }

    /// The continuum point that `key` lands on (the first point `>= hash_key(key)`,
    /// wrapping), or `None` when the ring is empty. This is libmemcached's "hash2"; it is
    /// exposed to check compatibility and to debug placement.
    pub fn point_for(&self, key: &[u8]) -> Option<u32> {
        self.locate(hash_key(key)).map(|(point, _)| point)
    }

    /// Up to `n` distinct owners of `key` in ring order, starting with [`HashRing::node`]:
    /// the nodes to hold replicas. Returns `min(n, len())` ids.
    pub fn nodes(&self, key: &[u8], n: usize) -> Vec<&str> {
        let mut out = Vec::with_capacity(n.min(self.nodes.len()));
        self.nodes_into(key, n, &mut out);
        out
    }

    /// Like [`HashRing::nodes`], but fills `out` (cleared first) so a caller can reuse it.
    pub fn nodes_into<'a>(&'a self, key: &[u8], n: usize, out: &mut Vec<&'a str>) {
        out.clear();
        self.for_each_owner(key, n, |index| {
            if let Some(id) = self.id_at(index) {
                out.push(id);
            }
        });
    }

    /// Like [`HashRing::nodes`], as indices in [`HashRing::ids`] order, written to the
    /// front of `out`; returns how many (at most `out.len()`).
    pub fn node_indices(&self, key: &[u8], out: &mut [u32]) -> usize {
        let mut count = 0;
        self.for_each_owner(key, out.len(), |index| {
            if let Some(slot) = out.get_mut(count) {
                *slot = index;
                count += 1;
            }
        });
        count
    }

    /// Calls `visit` with the indices of up to `n` distinct owners of `key` in ring order.
    /// For `n` up to 16 nothing is allocated; above that a bitmap of one bit per node is.
    fn for_each_owner(&self, key: &[u8], n: usize, mut visit: impl FnMut(u32)) {
        let want = n.min(self.nodes.len());
        if want == 0 {
            return;
        }
        let start = self.lower_bound(hash_key(key));
        let (head, tail) = self.continuum.split_at(start.min(self.continuum.len()));
        let walk = tail.iter().chain(head.iter()).map(|&(_, index)| index);
        if want <= SMALL_REPLICAS {
            let mut seen = [u32::MAX; SMALL_REPLICAS];
            let mut count = 0;
            for index in walk {
                if seen.iter().take(count).any(|&s| s == index) {
                    continue;
                }
                if let Some(slot) = seen.get_mut(count) {
                    *slot = index;
                    count += 1;
                    visit(index);
                }
                if count >= want {
                    break;
                }
            }
        } else {
            let mut seen = vec![0u64; self.nodes.len().div_ceil(64)];
            let mut count = 0;
            for index in walk {
                let (word, bit) = ((index / 64) as usize, 1u64 << (index % 64));
                let Some(w) = seen.get_mut(word) else {
                    continue;
                };
                if *w & bit != 0 {
                    continue;
                }
                *w |= bit;
                count += 1;
                visit(index);
                if count >= want {
                    break;
                }
            }
        }
    }

    /// Adds a node and rebuilds the continuum. With unequal weights this changes every
    /// node's point count (see the module docs). Fails, leaving the ring unchanged, on an
    /// invalid or duplicate node.
    pub fn add(&mut self, spec: NodeSpec) -> Result<()> {
        let prefix = check_spec(&spec, self.mode)?;
        if self.nodes.iter().any(|node| node.id == spec.id) {
            return Err(Error::config(format!(
                "ring: node \"{}\" is already on the ring; remove it first to change its weight",
                spec.id
            )));
        }
        if self.nodes.iter().any(|node| node.prefix == prefix) {
            return Err(same_server(&spec.id));
        }
        check_total(self.nodes.len().saturating_add(1), self.points_per_node)?;
        self.nodes.push(Node {
            id: spec.id,
            weight: spec.weight,
            prefix,
            points: 0,
        });
        self.rebuild();
        Ok(())
    }

    /// Removes the node `id` and rebuilds the continuum; `false` if there was no such node.
    pub fn remove(&mut self, id: &str) -> bool {
        // The same server under another spelling ("h" for "h:11211") is that node, as `add`
        // refuses it as a duplicate.
        let prefix = server_prefix(id, self.mode).ok();
        let named = |node: &&Node| node.id == id || prefix.as_deref() == Some(node.prefix.as_str());
        match self.nodes.iter().position(|node| named(&node)) {
            Some(position) => {
                self.nodes.remove(position);
                self.rebuild();
                true
            }
            None => false,
        }
    }

    /// The number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the ring has no nodes.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The node ids, in the order they were added.
    pub fn ids(&self) -> impl Iterator<Item = &str> + '_ {
        self.nodes.iter().map(|node| node.id.as_str())
    }

    /// The weight of node `id`, or `None` if it is not on the ring.
    pub fn weight(&self, id: &str) -> Option<u32> {
        self.find(id).map(|node| node.weight)
    }

    /// How many continuum points node `id` has, or `None` if it is not on the ring.
    pub fn points_of(&self, id: &str) -> Option<u32> {
        self.find(id).map(|node| node.points)
    }

    /// The total number of points on the continuum.
    pub fn total_points(&self) -> usize {
        self.continuum.len()
    }

    /// The `points_per_node` the ring was built with.
    pub fn points_per_node(&self) -> u32 {
        self.points_per_node
    }

    /// The point-key spelling the ring was built with.
    pub fn mode(&self) -> RingMode {
        self.mode
    }

    fn find(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|node| node.id == id)
    }

    fn id_at(&self, index: u32) -> Option<&str> {
        self.nodes.get(index as usize).map(|node| node.id.as_str())
    }

    /// Index of the first point `>= hash`, wrapped to 0 past the end.
    fn lower_bound(&self, hash: u32) -> usize {
        let index = self.continuum.partition_point(|&(point, _)| point < hash);
        if index >= self.continuum.len() {
            0
        } else {
            index
        }
    }

    fn locate(&self, hash: u32) -> Option<(u32, u32)> {
        self.continuum.get(self.lower_bound(hash)).copied()
    }

    /// Recomputes every node's point count and the sorted continuum.
    fn rebuild(&mut self) {
        let counts = point_counts(&self.nodes, self.points_per_node);
        let total: usize = counts.iter().map(|&c| c as usize).sum();
        let mut continuum = Vec::with_capacity(total);
        let mut key = String::new();
        for (index, (node, &points)) in self.nodes.iter_mut().zip(counts.iter()).enumerate() {
            node.points = points;
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            for j in 0..points / 4 {
                key.clear();
                key.push_str(&node.prefix);
                // Writing to a String cannot fail.
                let _ = write!(key, "-{j}");
                let digest: [u8; 16] = Md5::digest(key.as_bytes()).into();
                let [a0, a1, a2, a3, b0, b1, b2, b3, c0, c1, c2, c3, d0, d1, d2, d3] = digest;
                for word in [
                    [a0, a1, a2, a3],
                    [b0, b1, b2, b3],
                    [c0, c1, c2, c3],
                    [d0, d1, d2, d3],
                ] {
                    continuum.push((u32::from_le_bytes(word), index));
                }
            }
        }
        // Sorted by (point, node): equal points stay in node order. A heap sort, because
        // the slice sorts add about 8 KB of wasm for this one call.
        self.continuum = BinaryHeap::from(continuum).into_sorted_vec();
    }
}

/// Points for each node: `points_per_node` each with equal weights, else libmemcached's
/// float32 formula, at least 4.
fn point_counts(nodes: &[Node], points_per_node: u32) -> Vec<u32> {
    let equal = match nodes.first() {
        Some(first) => nodes.iter().all(|node| node.weight == first.weight),
        None => true,
    };
    if equal {
        return vec![points_per_node; nodes.len()];
    }
    let total: u64 = nodes.iter().map(|node| u64::from(node.weight)).sum();
    let count = nodes.len() as f32;
    nodes
        .iter()
        .map(|node| {
            // Exactly libmemcached's expression: float32 products, then `+ 0.0000000001` in
            // double precision, back to float, floor.
            let pct = node.weight as f32 / total as f32;
            let product = pct * points_per_node as f32 / 4.0 * count;
            let hashes = ((f64::from(product) + 0.000_000_000_1) as f32).floor();
            // `as` saturates; the total-points cap keeps this far below u32::MAX / 4.
            let hashes = (hashes as u32).max(1);
            hashes.saturating_mul(4)
        })
        .collect()
}

fn check_points_per_node(points_per_node: u32) -> Result<()> {
    if points_per_node == 0
        || !points_per_node.is_multiple_of(4)
        || points_per_node > MAX_POINTS_PER_NODE
    {
        return Err(Error::config(format!(
            "ring: pointsPerNode must be a multiple of 4 from 4 to {MAX_POINTS_PER_NODE} \
             (got {points_per_node}); ketama places 4 points per MD5 digest, and 160 is the \
             classic value"
        )));
    }
    Ok(())
}

fn check_total(node_count: usize, points_per_node: u32) -> Result<()> {
    let total = (node_count as u64).saturating_mul(u64::from(points_per_node));
    if total > MAX_TOTAL_POINTS {
        return Err(Error::config(format!(
            "ring: {node_count} nodes × {points_per_node} pointsPerNode is {total} points, more \
             than {MAX_TOTAL_POINTS}; lower pointsPerNode or use fewer nodes"
        )));
    }
    Ok(())
}

/// The first of `0..n` (in order) whose `key` equals that of an earlier one. Sorted as the
/// continuum is (a heap), not hashed: a hash set would bring a hash table and SipHash into
/// the wasm (4 KB) for this alone, and the slice sorts another 10 KB.
fn first_repeat<'a>(n: usize, key: impl Fn(usize) -> &'a str) -> Option<usize> {
    let sorted = BinaryHeap::from_iter((0..n).map(|i| (key(i), i))).into_sorted_vec();
    sorted
        .windows(2)
        .filter_map(|pair| match pair {
            [(a, _), (b, later)] if a == b => Some(*later),
            _ => None,
        })
        .min()
}

fn same_server(id: &str) -> Error {
    Error::config(format!(
        "ring: node id \"{id}\" names the same server as another node (port {DEFAULT_PORT} is \
         the default, so \"host\" and \"host:{DEFAULT_PORT}\" are one server); list it once"
    ))
}

/// Checks a node and returns its point-key prefix for `mode`.
fn check_spec(spec: &NodeSpec, mode: RingMode) -> Result<String> {
    if spec.weight == 0 {
        return Err(Error::config(format!(
            "ring: node \"{}\" has weight 0; weights must be at least 1 (remove the node \
             instead)",
            spec.id
        )));
    }
    server_prefix(&spec.id, mode)
}

/// The server a node id names, as hashed into its points: `"h"` and `"h:11211"` are one.
fn server_prefix(id: &str, mode: RingMode) -> Result<String> {
    let (host, port) = parse_id(id)?;
    Ok(match (mode, port) {
        (RingMode::Ketama, None) => host.to_owned(),
        (RingMode::Ketama, Some(port)) if port == DEFAULT_PORT => host.to_owned(),
        (RingMode::Ketama, Some(port)) => format!("{host}:{port}"),
        (RingMode::Spy, port) => format!("/{host}:{}", port.unwrap_or(DEFAULT_PORT)),
    })
}

/// Splits `host:port`, `[ipv6]:port`, `[ipv6]`, a bare IPv6 address or a bare name into
/// host and optional port.
fn parse_id(id: &str) -> Result<(&str, Option<u16>)> {
    if id.is_empty() {
        return Err(Error::config(
            "ring: a node id is empty; give each node a \"host:port\" id such as \
             \"10.0.1.1:11211\"",
        ));
    }
    if id.len() > MAX_ID_LEN {
        return Err(Error::config(format!(
            "ring: a node id is {} bytes long, more than {MAX_ID_LEN}; use \"host:port\"",
            id.len()
        )));
    }
    if id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::config(format!(
            "ring: node id \"{id}\" contains whitespace or a control character; use \
             \"host:port\" with no spaces"
        )));
    }
    let (host, port) = if let Some(rest) = id.strip_prefix('[') {
        let Some((host, after)) = rest.split_once(']') else {
            return Err(Error::config(format!(
                "ring: node id \"{id}\" opens '[' without a closing ']'; write IPv6 nodes as \
                 \"[::1]:11211\""
            )));
        };
        let port = match after {
            "" => None,
            _ => match after.strip_prefix(':') {
                Some(port) => Some(port),
                None => {
                    return Err(Error::config(format!(
                        "ring: node id \"{id}\" has text after ']' that is not \":port\"; \
                         write IPv6 nodes as \"[::1]:11211\""
                    )))
                }
            },
        };
        (host, port)
    } else {
        match id.split_once(':') {
            // Two or more colons without brackets: a bare IPv6 address, no port.
            Some((_, rest)) if rest.contains(':') => (id, None),
            Some((host, port)) => (host, Some(port)),
            None => (id, None),
        }
    };
    if host.is_empty() {
        return Err(Error::config(format!(
            "ring: node id \"{id}\" has no host; use \"host:port\" such as \"10.0.1.1:11211\""
        )));
    }
    let port = match port {
        None => None,
        Some(text) => Some(parse_port(text).ok_or_else(|| {
            Error::config(format!(
                "ring: node id \"{id}\" has port \"{text}\"; the port must be a number from 1 \
                 to 65535, as in \"10.0.1.1:11211\""
            ))
        })?),
    };
    Ok((host, port))
}

fn parse_port(text: &str) -> Option<u16> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<u16>().ok().filter(|&port| port != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_keep_insertion_order_and_lookup_takes_the_first() {
        // 400k points: about 18 equal 32-bit points are expected by the birthday bound.
        let nodes = (0..100)
            .map(|i| NodeSpec::new(format!("10.9.0.{i}:11211")))
            .collect();
        let ring = HashRing::new(nodes, 4000, RingMode::Ketama).expect("valid ring");
        let mut ties = 0;
        for pair in ring.continuum.windows(2) {
            if let [(p, a), (q, b)] = pair {
                if p == q {
                    ties += 1;
                    assert!(a <= b, "tie at {p} out of insertion order");
                    let first = ring.lower_bound(*p);
                    assert_eq!(ring.continuum.get(first), Some(&(*p, *a)));
                }
            }
        }
        assert!(ties > 0, "expected some equal points in a ring this large");
    }
}
