//! Ring lookups per second in native Rust (the figure beside the JavaScript one in
//! `bench/ring.mjs`): `cargo bench --bench ring_native`.

use edgecache::ring::{HashRing, NodeSpec, RingMode};
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let nodes = (1..=10)
        .map(|i| NodeSpec::new(format!("10.0.0.{i}:11211")))
        .collect();
    let ring = match HashRing::new(nodes, 160, RingMode::Ketama) {
        Ok(ring) => ring,
        Err(e) => {
            eprintln!("ring: {e}");
            std::process::exit(1);
        }
    };
    let keys: Vec<String> = (0..1 << 20).map(|i| format!("user:{i}:profile")).collect();
    let mut rates = Vec::new();
    for _ in 0..5 {
        let t0 = Instant::now();
        let mut found = 0usize;
        for key in &keys {
            found += usize::from(black_box(ring.node_index(key.as_bytes())).is_some());
        }
        assert_eq!(found, keys.len());
        rates.push(keys.len() as f64 / t0.elapsed().as_secs_f64());
    }
    rates.sort_by(f64::total_cmp);
    println!("native node_index(key): {:.2} M lookups/s (10 servers, 160 points, median of 5 x 2^20 keys)", rates[2] / 1e6);
}
