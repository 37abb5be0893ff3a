//! `TagEngine`: the tag generations one `EdgeCache` remembers, and every rule about them
//! (`crate::edge::tags`). The package reads and writes the generation records, shares
//! concurrent reads and reports unreadable records; it asks here what is current, what
//! to write, and hands back what the store said. Tag lists cross as one string (see
//! `tagList` in `pkg/src/edge/tags.js`), so checking a tagged memory hit is one call.

use super::codes::TagCheck;
use crate::edge::tags::{split_list, TagTable, TAG_CAPACITY};
use wasm_bindgen::prelude::*;

/// The tag generations of one `EdgeCache`, as its isolate knows them.
#[wasm_bindgen]
pub struct TagEngine {
    table: TagTable,
}

#[wasm_bindgen]
impl TagEngine {
    /// A table trusting generations read from the store for `interval` ms
    /// (`EdgeEngine.tagCheckInterval`); `stored`: the cache has a store.
    #[wasm_bindgen(constructor)]
    pub fn new(interval: f64, stored: bool) -> TagEngine {
        TagEngine {
            table: TagTable::new(interval, stored, TAG_CAPACITY),
        }
    }

    /// A mark to pass to `invalidatedSince`, `check` or `stamp` later (a write or load
    /// begins now).
    pub fn mark(&self) -> f64 {
        self.table.mark() as f64
    }

    /// Whether any of `tags` was invalidated in this isolate after `mark` was taken.
    #[wasm_bindgen(js_name = invalidatedSince)]
    pub fn invalidated_since(&self, tags: &str, mark: f64) -> bool {
        self.table.invalidated_since(&split_list(tags), mark as u64)
    }

    /// Whether an entry of `tags` written under `generations` (with the `mark` of its
    /// write when this isolate wrote it) is current at `now`: against the generations
    /// known here, or undecided until they are read (`Unknown`); against `read` ones
    /// when given (what `read` returned).
    pub fn check(
        &mut self,
        tags: &str,
        generations: &[f64],
        now: f64,
        mark: Option<f64>,
        read: Option<Box<[f64]>>,
    ) -> TagCheck {
        let mark = mark.map(|m| m as u64);
        let tags = split_list(tags);
        let check = self
            .table
            .check(&tags, generations, mark, read.as_deref(), now);
        check.into()
    }

    /// The generations a record of `tags` written at `mark` carries at `now`: the
    /// current ones, just below for a tag invalidated here since (the invalidation wins
    /// everywhere); from the `read` ones when given (what `read` returned), else from the
    /// ones known here, or undefined when they must be read (with no store: never).
    pub fn stamp(
        &mut self,
        tags: &str,
        mark: f64,
        now: f64,
        read: Option<Box<[f64]>>,
    ) -> Option<Vec<f64>> {
        let tags = split_list(tags);
        self.table.stamped(&tags, mark as u64, read.as_deref(), now)
    }

    /// Starts an invalidation of `tags` at `now` (seen here at once); the local
    /// generations, final without a store. `stored`: another isolate's invalidation (a
    /// bus message), the store holding these generations.
    pub fn invalidate(&mut self, tags: &str, now: f64, stored: Option<Box<[f64]>>) -> Vec<f64> {
        self.table
            .invalidate(&split_list(tags), now, stored.as_deref())
    }

    /// The generations to write for an invalidation of `tags` begun at `now` with `local`
    /// ones, given the `stored` ones (0: none; negative: an unreadable record), or
    /// undefined when one could not be read (NaN).
    pub fn settle(
        &mut self,
        tags: &str,
        local: &[f64],
        stored: &[f64],
        now: f64,
    ) -> Option<Vec<f64>> {
        self.table.settle(&split_list(tags), local, stored, now)
    }

    /// The generations of `tags` once the store gave `stored` at `now` (read, or written
    /// by this isolate; NaN: it could not be read; negative: an unreadable record); NaN
    /// for one no entry is current under.
    pub fn read(&mut self, tags: &str, stored: &[f64], now: f64) -> Vec<f64> {
        self.table.read(&split_list(tags), stored, now)
    }
}
