//! Readers for the project's copies of the cache traces in `tests/fixtures/traces`: the ARC
//! traces (OLTP, P3), the LIRS glimpse trace and libCacheSim's cloudPhysicsIO sample.
//! Files are decompressed in memory; nothing is written. A missing trace is a test
//! failure with a message naming the folder, never a skip.
//!
//! Use from a test crate with `#[path = "support/traces.rs"] mod traces;`.
#![allow(dead_code)]

use std::io::Read;
use std::path::PathBuf;

/// One request of a sized trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SizedRequest {
    /// Object identifier.
    pub id: u64,
    /// Object size in bytes.
    pub size: u32,
}

/// The traces folder of the repository: `$CARGO_MANIFEST_DIR/tests/fixtures/traces`.
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/traces")
}

/// The raw bytes of a trace file; panics with a clear message when it is missing.
pub fn read(name: &str) -> Vec<u8> {
    let path = dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read trace {} ({e}). These tests need the traces in \
             tests/fixtures/traces (see tests/fixtures/README.md); it is not optional.",
            path.display()
        )
    })
}

/// Decompresses a zstd file in memory.
pub fn unzstd(compressed: &[u8], name: &str) -> Vec<u8> {
    let mut decoder = ruzstd::decoding::StreamingDecoder::new(compressed)
        .unwrap_or_else(|e| panic!("{name}: not a zstd stream: {e}"));
    let mut out = Vec::new();
    decoder
        .read_to_end(&mut out)
        .unwrap_or_else(|e| panic!("{name}: corrupt zstd stream: {e}"));
    out
}

/// Decompresses a gzip file in memory.
pub fn gunzip(compressed: &[u8], name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(compressed)
        .read_to_end(&mut out)
        .unwrap_or_else(|e| panic!("{name}: corrupt gzip stream: {e}"));
    out
}

/// An ARC trace (`*.lis.zst`): each line `start count ignore request_number` stands for
/// `count` consecutive block requests `start .. start + count`.
pub fn arc(name: &str) -> Vec<u64> {
    let text = unzstd(&read(name), name);
    let text = std::str::from_utf8(&text).unwrap_or_else(|e| panic!("{name}: not text: {e}"));
    let mut requests = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let mut fields = line.split_whitespace();
        let Some(start) = fields.next() else {
            continue;
        };
        let field = |f: Option<&str>, what: &str| -> u64 {
            f.and_then(|f| f.parse().ok())
                .unwrap_or_else(|| panic!("{name} line {}: bad {what}: {line:?}", n + 1))
        };
        let start = field(Some(start), "start block");
        let count = field(fields.next(), "block count");
        requests.extend(start..start + count);
    }
    requests
}

/// The OLTP trace (914,145 requests).
pub fn oltp() -> Vec<u64> {
    arc("OLTP.lis.zst")
}

/// The P3 trace (3,912,296 requests after expansion).
pub fn p3() -> Vec<u64> {
    arc("P3.lis.zst")
}

/// The LIRS glimpse trace: one decimal key per line; empty and `*` lines are skipped.
pub fn gli() -> Vec<u64> {
    let name = "gli.trace.gz";
    let text = gunzip(&read(name), name);
    let text = std::str::from_utf8(&text).unwrap_or_else(|e| panic!("{name}: not text: {e}"));
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && *l != "*")
        .map(|l| {
            l.parse()
                .unwrap_or_else(|_| panic!("{name}: bad key line {l:?}"))
        })
        .collect()
}

/// libCacheSim's cloudPhysicsIO sample (oracleGeneral: packed little-endian 24-byte
/// records `u32 time, u64 obj_id, u32 obj_size, i64 next_access`).
pub fn cloud_physics() -> Vec<SizedRequest> {
    let name = "cloudPhysicsIO.oracleGeneral.bin.zst";
    let bytes = unzstd(&read(name), name);
    assert!(
        bytes.len().is_multiple_of(24),
        "{name}: {} bytes is not a whole number of 24-byte records",
        bytes.len()
    );
    bytes
        .chunks_exact(24)
        .map(|r| {
            let mut id = [0u8; 8];
            id.copy_from_slice(&r[4..12]);
            let mut size = [0u8; 4];
            size.copy_from_slice(&r[12..16]);
            SizedRequest {
                id: u64::from_le_bytes(id),
                size: u32::from_le_bytes(size),
            }
        })
        .collect()
}
