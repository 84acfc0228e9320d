//! Slowing password guessing (server mode).
//!
//! A try is counted before its password is checked, so a burst of tries
//! sent at once cannot slip past the count while the slow key derivation
//! runs. Each try is counted under several keys, each with its own free
//! tries; after those, each further try must wait, twice as long each
//! time, up to a ceiling:
//!
//! - the name and the address together: the strict one, a few tries;
//! - the address alone (IPv6 grouped by /64, which one household or phone
//!   usually holds): more tries, as a clinic's network may hold several
//!   people mistyping, but one address guessing at many names is slowed;
//! - the name alone: more tries again, slowing guesses at one account
//!   spread over many addresses. It is not applied where that name has
//!   signed in before, so someone failing on purpose from elsewhere can
//!   slow a person only where the person has never signed in, and never
//!   for longer than the ceiling per try;
//! - an account's own password checks once signed in (a new password,
//!   deleting the account), and sign-ups from one address.
//!
//! A success clears its name's counts, and takes back its own try from the
//! address (so signing in to an account of one's own never wipes the
//! address's record of guessing at others). A count no one has added to
//! for a day is forgotten. Keys are kept as salted hashes of a fixed size,
//! and the table has a ceiling: past it, the longest-quiet counts go
//! first, so memory stays bounded whatever is sent.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Tries allowed before any wait, for the strict keys.
pub const FREE_TRIES: u32 = 5;
/// Tries allowed before any wait, for an address or a name alone.
pub const SHARED_FREE_TRIES: u32 = 20;
/// The first wait, doubled with each failure after that.
pub const FIRST_WAIT: Duration = Duration::from_secs(15);
/// The longest wait: what an attacker can cost a person at most per try.
pub const LONGEST_WAIT: Duration = Duration::from_secs(15 * 60);
/// How long a count is kept after its last failure.
const FORGET_AFTER: Duration = Duration::from_secs(24 * 3600);
/// How long an address where a name signed in is remembered for it.
const KNOWN_FOR: Duration = Duration::from_secs(30 * 24 * 3600);
/// Counts (and known places) kept at most.
pub const MAX_KEYS: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    /// A name from an address.
    Pair,
    /// An address (or IPv6 /64), whatever name.
    Addr,
    /// A name, from wherever.
    Name,
    /// A signed-in account checking its own password.
    Owner,
    /// Accounts made from an address.
    SignUp,
}

impl Kind {
    fn free(self) -> u32 {
        match self {
            Kind::Pair | Kind::Owner | Kind::SignUp => FREE_TRIES,
            Kind::Addr | Kind::Name => SHARED_FREE_TRIES,
        }
    }
}

/// One thing a try is counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    kind: Kind,
    id: [u8; 16],
}

/// The keys one try is counted under.
#[derive(Debug, Clone)]
pub struct Keys(Vec<Key>);

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

/// The wait after `count` tries in a row, with `free` of them free.
fn wait_for(count: u32, free: u32) -> Duration {
    if count < free {
        return Duration::ZERO;
    }
    let doublings = (count - free).min(16);
    FIRST_WAIT.saturating_mul(1 << doublings).min(LONGEST_WAIT)
}

/// The wait after `count` failed log-ins in a row for a name at an address.
pub fn wait_after(count: u32) -> Duration {
    wait_for(count, FREE_TRIES)
}

/// Failure counts by key.
pub struct Throttle {
    salt: [u8; 32],
    by_key: HashMap<Key, Failures>,
    /// Name-and-address pairs that signed in, and when last.
    known: HashMap<[u8; 16], Instant>,
}

impl Default for Throttle {
    fn default() -> Throttle {
        let mut salt = [0u8; 32];
        getrandom::fill(&mut salt).expect("the operating system's random number source is unavailable");
        Throttle {
            salt,
            by_key: HashMap::new(),
            known: HashMap::new(),
        }
    }
}

/// The part of an address that stands for one place: IPv4 whole, IPv6 by
/// its first 64 bits (an IPv4 address written as IPv6 is read as IPv4).
pub fn place(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V4(_) => addr,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// A name as it is counted: the key its account is found by. A name longer
/// than any account may have is refused before its password is looked at,
/// so it is counted as it came, without the work of normalising it.
fn name_of(name: &str) -> String {
    use drawbridge_core::account::{MAX_NAME_CHARS, name_key};
    if name.trim().chars().count() > MAX_NAME_CHARS {
        return name.to_string();
    }
    name_key(name)
}

impl Throttle {
    fn id(&self, kind: Kind, parts: &[&str]) -> [u8; 16] {
        use blake2::Digest;
        let mut h = blake2::Blake2s256::new();
        h.update(self.salt);
        h.update([kind as u8]);
        for p in parts {
            h.update((p.len() as u64).to_le_bytes());
            h.update(p.as_bytes());
        }
        let d = h.finalize();
        let mut id = [0u8; 16];
        id.copy_from_slice(&d[..16]);
        id
    }

    fn key(&self, kind: Kind, parts: &[&str]) -> Key {
        Key {
            kind,
            id: self.id(kind, parts),
        }
    }

    /// The keys a log-in (or a recovery) with `name` from `addr` counts
    /// under. The name alone is left out where that name has signed in.
    pub fn log_in_keys(&self, name: &str, addr: IpAddr, now: Instant) -> Keys {
        let (name, at) = (name_of(name), place(addr).to_string());
        let pair = self.key(Kind::Pair, &[&name, &at]);
        let mut keys = vec![pair, self.key(Kind::Addr, &[&at])];
        let known = self
            .known
            .get(&pair.id)
            .is_some_and(|t| now.saturating_duration_since(*t) < KNOWN_FOR);
        if !known {
            keys.push(self.key(Kind::Name, &[&name]));
        }
        Keys(keys)
    }

    /// The key a signed-in account's own password checks count under.
    pub fn owner_keys(&self, owner: uuid::Uuid) -> Keys {
        Keys(vec![self.key(Kind::Owner, &[&owner.to_string()])])
    }

    /// The key sign-ups from `addr` count under.
    pub fn sign_up_keys(&self, addr: IpAddr) -> Keys {
        Keys(vec![self.key(Kind::SignUp, &[&place(addr).to_string()])])
    }

    /// How long until a try under `keys` may be made (zero: now).
    pub fn wait(&self, keys: &Keys, now: Instant) -> Duration {
        keys.0
            .iter()
            .filter_map(|k| self.by_key.get(k).map(|f| (k, f)))
            .filter(|(_, f)| now.saturating_duration_since(f.last) < FORGET_AFTER)
            .map(|(k, f)| (f.last + wait_for(f.count, k.kind.free())).saturating_duration_since(now))
            .max()
            .unwrap_or(Duration::ZERO)
    }

    /// A try: refused with the wait when one is due; otherwise counted
    /// under every key now, before the password is checked. Call
    /// [`Throttle::succeeded`] when it turns out right.
    pub fn attempt(&mut self, keys: &Keys, now: Instant) -> Result<(), Duration> {
        let wait = self.wait(keys, now);
        if !wait.is_zero() {
            return Err(wait);
        }
        self.make_room(now);
        for k in &keys.0 {
            let f = self.by_key.entry(*k).or_insert(Failures { count: 0, last: now });
            if now.saturating_duration_since(f.last) >= FORGET_AFTER {
                f.count = 0;
            }
            f.count = f.count.saturating_add(1);
            f.last = now;
        }
        Ok(())
    }

    /// The try under `keys` was right: the name's counts start again, the
    /// address takes back this one try, sign-ups stay counted, and a
    /// log-in's name and address are remembered together.
    pub fn succeeded(&mut self, keys: &Keys, now: Instant) {
        for k in &keys.0 {
            match k.kind {
                Kind::Pair => {
                    self.by_key.remove(k);
                    self.known.insert(k.id, now);
                }
                Kind::Name | Kind::Owner => {
                    self.by_key.remove(k);
                }
                Kind::Addr => {
                    if let Some(f) = self.by_key.get_mut(k) {
                        f.count = f.count.saturating_sub(1);
                    }
                }
                Kind::SignUp => {}
            }
        }
    }

    /// How many counts and known places are held (for the memory check).
    pub fn held(&self) -> usize {
        self.by_key.len() + self.known.len()
    }

    /// Keep under [`MAX_KEYS`]: forget what is old, then, if that is not
    /// enough, the half that has been quiet longest.
    fn make_room(&mut self, now: Instant) {
        if self.by_key.len() >= MAX_KEYS {
            self.by_key.retain(|_, f| now.saturating_duration_since(f.last) < FORGET_AFTER);
            if self.by_key.len() >= MAX_KEYS * 9 / 10 {
                let cut = quiet_half(self.by_key.values().map(|f| f.last));
                self.by_key.retain(|_, f| f.last > cut);
            }
        }
        if self.known.len() >= MAX_KEYS {
            self.known.retain(|_, t| now.saturating_duration_since(*t) < KNOWN_FOR);
            if self.known.len() >= MAX_KEYS * 9 / 10 {
                let cut = quiet_half(self.known.values().copied());
                self.known.retain(|_, t| *t > cut);
            }
        }
    }
}

/// The time at or before which half of `times` fall.
fn quiet_half(times: impl Iterator<Item = Instant>) -> Instant {
    let mut all: Vec<Instant> = times.collect();
    let mid = all.len() / 2;
    *all.select_nth_unstable(mid).1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    /// Fail `n` tries under `keys` at `now`.
    fn fail(t: &mut Throttle, keys: &Keys, n: u32, now: Instant) {
        for _ in 0..n {
            t.attempt(keys, now).expect("no wait yet");
        }
    }

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
    fn a_try_is_counted_before_it_is_checked_so_a_burst_cannot_slip_through() {
        let t0 = Instant::now();
        let mut t = Throttle::default();
        let k = t.log_in_keys("Sam", ip("192.0.2.1"), t0);
        // Five tries start at once, none finished yet: the sixth waits.
        fail(&mut t, &k, FREE_TRIES, t0);
        assert_eq!(t.attempt(&k, t0), Err(FIRST_WAIT));
        assert_eq!(t.attempt(&k, t0 + FIRST_WAIT), Ok(()));
    }

    #[test]
    fn failures_slow_that_name_there_and_a_success_clears_only_the_name() {
        let t0 = Instant::now();
        let mut t = Throttle::default();
        let here = t.log_in_keys("Sam", ip("192.0.2.1"), t0);
        fail(&mut t, &here, FREE_TRIES, t0);
        assert_eq!(t.wait(&here, t0), FIRST_WAIT);
        // Sam from elsewhere is not kept out by tries made here, nor is
        // another name from here (a shared address).
        assert_eq!(t.wait(&t.log_in_keys(" sam ", ip("198.51.100.7"), t0), t0), Duration::ZERO);
        assert_eq!(t.wait(&t.log_in_keys("Robin", ip("192.0.2.1"), t0), t0), Duration::ZERO);
        // Sam, after the wait, signs in: Sam starts again here.
        t.attempt(&here, t0 + FIRST_WAIT).expect("after the wait");
        t.succeeded(&here, t0 + FIRST_WAIT);
        assert_eq!(t.wait(&here, t0 + FIRST_WAIT), Duration::ZERO);

        // One address guessing at many names is slowed, and signing in
        // to an account of its own does not wipe that.
        let mut t = Throttle::default();
        for n in 0..SHARED_FREE_TRIES {
            let k = t.log_in_keys(&format!("name{n}"), ip("203.0.113.5"), t0);
            t.attempt(&k, t0).expect("free");
        }
        let mine = t.log_in_keys("mallory", ip("203.0.113.5"), t0);
        assert_eq!(t.attempt(&mine, t0), Err(FIRST_WAIT));
        t.attempt(&mine, t0 + FIRST_WAIT).expect("after the wait");
        t.succeeded(&mine, t0 + FIRST_WAIT);
        let next = t.log_in_keys("name99", ip("203.0.113.5"), t0);
        assert!(t.wait(&next, t0 + FIRST_WAIT) > Duration::ZERO, "the address's guesses still count");
    }

    #[test]
    fn guesses_from_many_addresses_slow_a_name_but_not_where_it_has_signed_in() {
        let t0 = Instant::now();
        let mut t = Throttle::default();
        let home = ip("192.0.2.1");
        let k = t.log_in_keys("Sam", home, t0);
        t.attempt(&k, t0).expect("free");
        t.succeeded(&k, t0);
        for n in 0..SHARED_FREE_TRIES {
            let k = t.log_in_keys("Sam", ip(&format!("198.51.100.{n}")), t0);
            t.attempt(&k, t0).expect("free");
        }
        let new_place = t.log_in_keys("Sam", ip("203.0.113.9"), t0);
        assert_eq!(t.wait(&new_place, t0), FIRST_WAIT);
        let at_home = t.log_in_keys("Sam", home, t0);
        assert_eq!(t.wait(&at_home, t0), Duration::ZERO, "Sam can still sign in where Sam always does");
    }

    #[test]
    fn an_ipv6_household_is_one_place() {
        assert_eq!(place(ip("2001:db8:1:2:aaaa::1")), place(ip("2001:db8:1:2:ffff::9")));
        assert_ne!(place(ip("2001:db8:1:2::1")), place(ip("2001:db8:1:3::1")));
        assert_eq!(place(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
        let t0 = Instant::now();
        let mut t = Throttle::default();
        for n in 0..FREE_TRIES {
            let k = t.log_in_keys("Sam", ip(&format!("2001:db8:1:2::{n}")), t0);
            t.attempt(&k, t0).expect("free");
        }
        assert_eq!(t.wait(&t.log_in_keys("Sam", ip("2001:db8:1:2::ff"), t0), t0), FIRST_WAIT);
    }

    #[test]
    fn nobody_can_be_kept_out_longer_than_the_ceiling() {
        let t0 = Instant::now();
        let mut t = Throttle::default();
        let k = t.log_in_keys("Sam", ip("192.0.2.1"), t0);
        let mut now = t0;
        for _ in 0..1000 {
            if let Err(w) = t.attempt(&k, now) {
                assert!(w <= LONGEST_WAIT);
                now += w;
                t.attempt(&k, now).expect("open once the wait is over");
            }
        }
        assert_eq!(t.wait(&k, now), LONGEST_WAIT);
        assert_eq!(t.wait(&k, now + LONGEST_WAIT), Duration::ZERO);
    }

    #[test]
    fn own_password_checks_and_sign_ups_are_counted_too() {
        let t0 = Instant::now();
        let mut t = Throttle::default();
        let owner = t.owner_keys(uuid::Uuid::from_u128(7));
        fail(&mut t, &owner, FREE_TRIES, t0);
        assert_eq!(t.attempt(&owner, t0), Err(FIRST_WAIT));
        let signups = t.sign_up_keys(ip("192.0.2.1"));
        for _ in 0..FREE_TRIES {
            t.attempt(&signups, t0).expect("free");
            t.succeeded(&signups, t0);
        }
        assert_eq!(
            t.attempt(&signups, t0),
            Err(FIRST_WAIT),
            "making accounts is counted even when it works"
        );
    }

    #[test]
    fn memory_stays_bounded_whatever_is_sent() {
        let t0 = Instant::now();
        let mut t = Throttle::default();
        let long = "x".repeat(10_000);
        for n in 0..(MAX_KEYS as u32 + 5_000) {
            let now = t0 + Duration::from_millis(u64::from(n));
            let k = t.log_in_keys(&format!("{long}{n}"), IpAddr::from(n.to_be_bytes()), now);
            let _ = t.attempt(&k, now);
        }
        assert!(t.held() <= MAX_KEYS + 3, "{}", t.held());
    }
}
