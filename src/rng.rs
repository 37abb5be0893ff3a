//! The crate's one pseudo-random generator, for jitter, early-refresh draws, retry spread
//! and W-TinyLFU's hash seed and admission lottery. It is seeded lazily: Workers forbid
//! `crypto.getRandomValues` at module top level, so nothing is drawn from the platform
//! until the first number is needed.

/// The SplitMix64 finalizer: a bijective 64-bit mixer (also the sketches' key hash).
pub fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// SplitMix64, seeded from the platform's randomness on first use.
#[derive(Default)]
pub struct LazyRng {
    state: Option<u64>,
}

impl LazyRng {
    /// A generator with a fixed seed (tests).
    pub fn seeded(seed: u64) -> Self {
        LazyRng { state: Some(seed) }
    }

    /// A uniform number in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A uniform number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u32) -> u32 {
        // Multiply-shift: exact for powers of two, a bias below 2^-32 otherwise.
        (((self.next_u64() >> 32) * u64::from(n)) >> 32) as u32
    }

    /// A uniform 64-bit number.
    pub fn next_u64(&mut self) -> u64 {
        let state = self.state.get_or_insert_with(platform_seed);
        *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(*state)
    }
}

/// A seed from the platform; a fixed one if the platform has no randomness to give.
fn platform_seed() -> u64 {
    let mut bytes = [0u8; 8];
    match getrandom::fill(&mut bytes) {
        Ok(()) => u64::from_le_bytes(bytes),
        Err(_) => 0x5eed_ed9e_cac4_e000,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_in_range_and_spread() {
        let mut rng = LazyRng::seeded(1);
        let draws: Vec<f64> = (0..10_000).map(|_| rng.next_f64()).collect();
        assert!(draws.iter().all(|x| (0.0..1.0).contains(x)));
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        assert!((mean - 0.5).abs() < 0.02, "mean {mean}");
    }

    #[test]
    fn range_draws_cover_the_range_evenly() {
        let mut rng = LazyRng::seeded(2);
        let mut counts = [0u32; 8];
        for _ in 0..80_000 {
            let i = rng.below(8) as usize;
            assert!(i < 8);
            counts[i] += 1;
        }
        assert!(
            counts.iter().all(|&c| (9_000..11_000).contains(&c)),
            "{counts:?}"
        );
        assert_eq!(rng.below(0), 0);
        assert_eq!(rng.below(1), 0);
    }

    #[test]
    fn lazily_seeded_generators_differ() {
        let (mut a, mut b) = (LazyRng::default(), LazyRng::default());
        assert_ne!(a.next_u64(), b.next_u64());
    }
}
