//! Token buckets for per-channel rate limits. The bucket itself is pure (time is
//! passed in); `RateLimiter` wraps it for shared use.

use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct TokenBucket {
    capacity: f64,
    tokens: f64,
    per_second: f64,
    last: Instant,
}

impl TokenBucket {
    /// A bucket of `capacity` tokens refilled at `capacity / period`, starting full.
    pub fn new(capacity: u32, period: Duration, now: Instant) -> Self {
        let capacity = f64::from(capacity.max(1));
        Self {
            capacity,
            tokens: capacity,
            per_second: capacity / period.as_secs_f64(),
            last: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
        self.last = now;
    }

    /// Takes one token, or says how long until one is available (taking nothing).
    pub fn try_take(&mut self, now: Instant) -> Result<(), Duration> {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - self.tokens) / self.per_second,
            ))
        }
    }
}

/// All of a channel's buckets: a call needs a token from each.
#[derive(Debug, Default)]
pub struct RateLimiter {
    buckets: Mutex<Vec<TokenBucket>>,
}

impl RateLimiter {
    pub fn new(per_second: Option<u32>, per_hour: Option<u32>) -> Self {
        let now = Instant::now();
        let mut buckets = Vec::new();
        if let Some(n) = per_second {
            buckets.push(TokenBucket::new(n, Duration::from_secs(1), now));
        }
        if let Some(n) = per_hour {
            buckets.push(TokenBucket::new(n, Duration::from_secs(3600), now));
        }
        Self {
            buckets: Mutex::new(buckets),
        }
    }

    pub fn unlimited() -> Self {
        Self::default()
    }

    /// Takes a token from every bucket, or none and the wait until all have one.
    pub fn try_acquire(&self) -> Result<(), Duration> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().expect("rate limiter lock poisoned");
        let mut probe = buckets.clone();
        let wait = probe
            .iter_mut()
            .filter_map(|bucket| bucket.try_take(now).err())
            .max();
        match wait {
            Some(wait) => Err(wait),
            None => {
                *buckets = probe;
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_per_second() {
        let t0 = Instant::now();
        let mut bucket = TokenBucket::new(5, Duration::from_secs(1), t0);
        for _ in 0..5 {
            assert_eq!(bucket.try_take(t0), Ok(()));
        }
        let wait = bucket.try_take(t0).unwrap_err();
        assert!((wait.as_secs_f64() - 0.2).abs() < 1e-6, "{wait:?}");
        assert_eq!(bucket.try_take(t0 + Duration::from_millis(200)), Ok(()));
        assert!(bucket.try_take(t0 + Duration::from_millis(200)).is_err());
    }

    #[test]
    fn refill_is_capped() {
        let t0 = Instant::now();
        let mut bucket = TokenBucket::new(2, Duration::from_secs(1), t0);
        let later = t0 + Duration::from_secs(60);
        assert!(bucket.try_take(later).is_ok());
        assert!(bucket.try_take(later).is_ok());
        assert!(bucket.try_take(later).is_err());
    }

    #[test]
    fn hourly_wait() {
        let t0 = Instant::now();
        let mut bucket = TokenBucket::new(5000, Duration::from_secs(3600), t0);
        for _ in 0..5000 {
            bucket.try_take(t0).unwrap();
        }
        let wait = bucket.try_take(t0).unwrap_err();
        assert!((wait.as_secs_f64() - 0.72).abs() < 1e-3, "{wait:?}");
    }

    #[test]
    fn limiter_takes_from_all_or_none() {
        let limiter = RateLimiter::new(Some(100), Some(1));
        assert!(limiter.try_acquire().is_ok());
        let wait = limiter.try_acquire().unwrap_err();
        assert!(wait > Duration::from_secs(3000));
        assert!(RateLimiter::unlimited().try_acquire().is_ok());
    }
}
