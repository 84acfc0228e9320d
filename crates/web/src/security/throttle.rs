//! Slowing password guessing (server mode). Failed log-ins are counted per
//! account name and per client address. The first few are free; after
//! that each try must wait, twice as long each time, up to a ceiling, so
//! guessing is slow but nobody, whoever fails on purpose, can keep a
//! person out for longer than the ceiling. A success clears the name's
//! count and the address's; a count no one has added to for a day is
//! forgotten.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Failures allowed before any wait.
pub const FREE_TRIES: u32 = 5;
/// The first wait, doubled with each failure after that.
pub const FIRST_WAIT: Duration = Duration::from_secs(15);
/// The longest wait: what an attacker can cost a person at most per try.
pub const LONGEST_WAIT: Duration = Duration::from_secs(15 * 60);
/// How long a count is kept after its last failure.
const FORGET_AFTER: Duration = Duration::from_secs(24 * 3600);
/// Counts kept before the old ones are swept.
const SWEEP_AT: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

impl Failures {
    /// When the next try is allowed.
    fn open_at(&self) -> Instant {
        self.last + wait_after(self.count)
    }
}

/// The wait after `count` failures in a row.
pub fn wait_after(count: u32) -> Duration {
    if count < FREE_TRIES {
        return Duration::ZERO;
    }
    let doublings = (count - FREE_TRIES).min(16);
    FIRST_WAIT.saturating_mul(1 << doublings).min(LONGEST_WAIT)
}

/// Failure counts by key (`name:…`, `addr:…`).
#[derive(Default)]
pub struct Throttle {
    by_key: HashMap<String, Failures>,
}

impl Throttle {
    /// How long until any of `keys` may try again (zero: now).
    pub fn wait(&self, keys: &[String], now: Instant) -> Duration {
        keys.iter()
            .filter_map(|k| self.by_key.get(k))
            .map(|f| f.open_at().saturating_duration_since(now))
            .max()
            .unwrap_or(Duration::ZERO)
    }

    /// Count a failure against every key.
    pub fn failed(&mut self, keys: &[String], now: Instant) {
        if self.by_key.len() >= SWEEP_AT {
            self.by_key.retain(|_, f| now.saturating_duration_since(f.last) < FORGET_AFTER);
        }
        for k in keys {
            let f = self.by_key.entry(k.clone()).or_insert(Failures { count: 0, last: now });
            if now.saturating_duration_since(f.last) >= FORGET_AFTER {
                f.count = 0;
            }
            f.count = f.count.saturating_add(1);
            f.last = now;
        }
    }

    /// A success: these keys start again from nothing.
    pub fn succeeded(&mut self, keys: &[String]) {
        for k in keys {
            self.by_key.remove(k);
        }
    }
}

/// The keys a log-in attempt is counted under.
pub fn keys(name: &str, addr: std::net::IpAddr) -> Vec<String> {
    vec![format!("name:{}", name.trim().to_lowercase()), format!("addr:{addr}")]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_grows_after_the_free_tries_and_stops_at_the_ceiling() {
        for n in 0..FREE_TRIES {
            assert_eq!(wait_after(n), Duration::ZERO, "{n}");
        }
        assert_eq!(wait_after(FREE_TRIES), FIRST_WAIT);
        assert_eq!(wait_after(FREE_TRIES + 1), FIRST_WAIT * 2);
        assert_eq!(wait_after(FREE_TRIES + 2), FIRST_WAIT * 4);
        assert_eq!(wait_after(u32::MAX), LONGEST_WAIT);
        let mut prev = Duration::ZERO;
        for n in 0..100 {
            assert!(wait_after(n) >= prev && wait_after(n) <= LONGEST_WAIT);
            prev = wait_after(n);
        }
    }

    #[test]
    fn failures_slow_a_name_and_an_address_and_a_success_clears_them() {
        let t0 = Instant::now();
        let mut t = Throttle::default();
        let here = keys("Sam", "192.0.2.1".parse().expect("ip"));
        for _ in 0..FREE_TRIES {
            assert_eq!(t.wait(&here, t0), Duration::ZERO);
            t.failed(&here, t0);
        }
        assert_eq!(t.wait(&here, t0), FIRST_WAIT);
        // The same name from elsewhere waits too; another name from
        // elsewhere does not.
        let elsewhere = keys(" sam ", "198.51.100.7".parse().expect("ip"));
        assert_eq!(t.wait(&elsewhere, t0), FIRST_WAIT);
        let other = keys("Robin", "198.51.100.7".parse().expect("ip"));
        assert_eq!(t.wait(&other, t0), Duration::ZERO);
        // Once the wait is over, a try is allowed.
        assert_eq!(t.wait(&here, t0 + FIRST_WAIT), Duration::ZERO);
        t.succeeded(&here);
        assert_eq!(t.wait(&elsewhere, t0), Duration::ZERO);
    }

    #[test]
    fn nobody_can_be_kept_out_longer_than_the_ceiling() {
        let t0 = Instant::now();
        let mut t = Throttle::default();
        let k = keys("Sam", "192.0.2.1".parse().expect("ip"));
        for _ in 0..1000 {
            t.failed(&k, t0);
        }
        assert_eq!(t.wait(&k, t0), LONGEST_WAIT);
        assert_eq!(t.wait(&k, t0 + LONGEST_WAIT), Duration::ZERO);
    }
}
