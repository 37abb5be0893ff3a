//! How fresh a cached value is, and whether to refresh it early (XFetch).

use crate::rng::LazyRng;

/// The state of a cached value at a moment (JavaScript receives it as `Fresh`, src/wasm/codes.rs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// Before expiry: serve it.
    Fresh,
    /// Before expiry, but drawn for an early refresh: serve it and refresh in the background.
    RefreshEarly,
    /// Past expiry, inside the stale-while-revalidate window: serve it, refresh in the background.
    Stale,
    /// Past that window, inside the stale-if-error window: load; serve it only if loading fails.
    ErrorOnly,
    /// Past every window: a miss.
    Expired,
}

/// The times that decide a value's freshness.
#[derive(Clone, Copy, Debug)]
pub struct Horizons {
    /// Logical expiry.
    pub expires: f64,
    /// End of the stale-while-revalidate window.
    pub stale_until: f64,
    /// End of the stale-if-error window.
    pub error_until: f64,
    /// Duration of the load that produced the value (XFetch's delta).
    pub load_ms: f64,
}

/// Classifies a value at `now`. With `beta` set, a fresh value is refreshed early with
/// probability `exp(-t / (beta * delta))`, t = time to expiry, delta = its load time
/// (XFetch: `now - delta * beta * ln(u) >= expires`, u uniform in (0, 1]).
pub fn classify(now: f64, h: Horizons, beta: Option<f64>, rng: &mut LazyRng) -> Freshness {
    match (window(now, h), beta) {
        (Freshness::Fresh, Some(beta)) if h.load_ms > 0.0 => {
            let u = 1.0 - rng.next_f64();
            if now - h.load_ms * beta * u.ln() >= h.expires {
                Freshness::RefreshEarly
            } else {
                Freshness::Fresh
            }
        }
        (freshness, _) => freshness,
    }
}

/// The window a value is in at `now`, without early refresh (nothing drawn).
pub fn window(now: f64, h: Horizons) -> Freshness {
    if now < h.expires {
        Freshness::Fresh
    } else if now < h.stale_until {
        Freshness::Stale
    } else if now < h.error_until {
        Freshness::ErrorOnly
    } else {
        Freshness::Expired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: Horizons = Horizons {
        expires: 100.0,
        stale_until: 150.0,
        error_until: 300.0,
        load_ms: 10.0,
    };

    #[test]
    fn windows_in_order() {
        let mut rng = LazyRng::seeded(1);
        let at = |t: f64, rng: &mut LazyRng| classify(t, H, None, rng);
        assert_eq!(at(99.9, &mut rng), Freshness::Fresh);
        assert_eq!(at(100.0, &mut rng), Freshness::Stale);
        assert_eq!(at(149.0, &mut rng), Freshness::Stale);
        assert_eq!(at(150.0, &mut rng), Freshness::ErrorOnly);
        assert_eq!(at(300.0, &mut rng), Freshness::Expired);
    }

    #[test]
    fn early_refresh_follows_the_xfetch_probability() {
        let mut rng = LazyRng::seeded(7);
        // t = 10 ms before expiry, delta = 10, beta = 1: p = exp(-1) ≈ 0.368.
        let n = 20_000;
        let early = (0..n)
            .filter(|_| classify(90.0, H, Some(1.0), &mut rng) == Freshness::RefreshEarly)
            .count();
        let p = early as f64 / n as f64;
        assert!((p - (-1.0f64).exp()).abs() < 0.02, "p = {p}");
        // Far from expiry it (almost) never fires; without beta it never does.
        assert_eq!(
            (0..1000)
                .filter(|_| classify(0.0, H, Some(1.0), &mut rng) == Freshness::RefreshEarly)
                .count(),
            0
        );
        assert_eq!(classify(99.0, H, None, &mut rng), Freshness::Fresh);
    }
}
