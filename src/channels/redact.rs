//! Remotes sometimes echo what they were sent (a token in an error page, a key in a
//! "bad credentials" message). Every error a connector returns passes through `scrub`
//! before it can reach the store, the admin API or a log line.

use crate::domain::{Outcome, RemoteError};
use crate::secret::Secret;

const MASK: &str = "[redacted]";

fn scrub_text(text: &str, secrets: &[&Secret]) -> String {
    secrets
        .iter()
        .map(|secret| secret.expose())
        .filter(|raw| !raw.is_empty())
        .fold(text.to_string(), |text, raw| text.replace(raw, MASK))
}

fn scrub_error(error: RemoteError, secrets: &[&Secret]) -> RemoteError {
    RemoteError {
        code: error.code.map(|code| scrub_text(&code, secrets)),
        message: scrub_text(&error.message, secrets),
    }
}

/// The outcome with every occurrence of `secrets` in its error masked.
pub fn scrub(outcome: Outcome, secrets: &[&Secret]) -> Outcome {
    match outcome {
        Outcome::Rejected(error) => Outcome::Rejected(scrub_error(error, secrets)),
        Outcome::Auth(error) => Outcome::Auth(scrub_error(error, secrets)),
        Outcome::Retry {
            after,
            rate_limited,
            error,
        } => Outcome::Retry {
            after,
            rate_limited,
            error: scrub_error(error, secrets),
        },
        Outcome::Unsupported { reason } => Outcome::Unsupported {
            reason: scrub_text(&reason, secrets),
        },
        Outcome::Superseded { reason } => Outcome::Superseded {
            reason: scrub_text(&reason, secrets),
        },
        Outcome::Done | Outcome::AlreadyApplied => outcome,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_secret_everywhere() {
        let key = Secret::new("key-123");
        let token = Secret::new("tok-456");
        let empty = Secret::new("");
        let outcome = Outcome::Auth(RemoteError::new(
            Some("tok-456"),
            "bad key key-123 with token tok-456, again key-123",
        ));
        assert_eq!(
            scrub(outcome, &[&key, &token, &empty]),
            Outcome::Auth(RemoteError::new(
                Some("[redacted]"),
                "bad key [redacted] with token [redacted], again [redacted]"
            ))
        );
        let retry = Outcome::Retry {
            after: None,
            rate_limited: true,
            error: RemoteError::new(None, "x key-123"),
        };
        assert_eq!(
            scrub(retry, &[&key]),
            Outcome::Retry {
                after: None,
                rate_limited: true,
                error: RemoteError::new(None, "x [redacted]"),
            }
        );
        assert_eq!(scrub(Outcome::Done, &[&key]), Outcome::Done);
    }
}
