//! Problems found while reading the config. The walk collects every one of them instead
//! of stopping at the first, so an operator fixes a config in one round.

use std::fmt;

/// One problem, located by its key path (`channels.base-jp.client_secret`,
/// `delivery.schedule[2]`). Messages never contain a secret's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// Every problem of a config, in the order the walk met them; `Display` prints one
/// `key: message` per line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", render(.problems))]
pub struct ConfigErrors {
    pub problems: Vec<ConfigProblem>,
}

fn render(problems: &[ConfigProblem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

impl ConfigErrors {
    pub fn single(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            problems: vec![ConfigProblem {
                key: key.into(),
                message: message.into(),
            }],
        }
    }

    /// The first problem reported at exactly `key`.
    pub fn find(&self, key: &str) -> Option<&ConfigProblem> {
        self.problems.iter().find(|p| p.key == key)
    }
}

/// The collector threaded through the walk.
#[derive(Debug, Default)]
pub(crate) struct Problems(Vec<ConfigProblem>);

impl Problems {
    pub fn push(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.0.push(ConfigProblem {
            key: key.into(),
            message: message.into(),
        });
    }

    /// `value` only counts when nothing went wrong anywhere: a partly read config is
    /// never handed out.
    pub fn finish<T>(self, value: T) -> Result<T, ConfigErrors> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(ConfigErrors { problems: self.0 })
        }
    }
}

/// `parent.key`, quoting `key` the way TOML would when it is not a bare key.
pub(crate) fn join_key(parent: &str, key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let key = if bare {
        key.to_string()
    } else {
        format!("{key:?}")
    };
    if parent.is_empty() {
        key
    } else {
        format!("{parent}.{key}")
    }
}

/// `" (did you mean `x`?)"` when one candidate is a plausible typo of `word`.
pub(crate) fn did_you_mean<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<String> {
    // Short keys tolerate one slip, longer ones two: beyond that the "hint" is noise.
    let limit = if word.chars().count() <= 4 { 1 } else { 2 };
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| format!(" (did you mean `{c}`?)"))
}

/// Edit distance counting a swap of neighbours as one edit (`form` for `from`),
/// case-insensitive (`Kind` is a typo of `kind`).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    // d[i][j]: distance between a[..i] and b[..j].
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_one_line_per_problem() {
        let errors = ConfigErrors {
            problems: vec![
                ConfigProblem {
                    key: "server.listen".into(),
                    message: "bad".into(),
                },
                ConfigProblem {
                    key: "delivery.schedule[2]".into(),
                    message: "worse".into(),
                },
            ],
        };
        assert_eq!(
            errors.to_string(),
            "server.listen: bad\ndelivery.schedule[2]: worse"
        );
    }

    #[test]
    fn keys_are_quoted_when_not_bare() {
        assert_eq!(join_key("", "server"), "server");
        assert_eq!(join_key("channels", "base-jp"), "channels.base-jp");
        assert_eq!(join_key("channels", "base jp"), "channels.\"base jp\"");
    }

    #[test]
    fn hints_only_for_close_names() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("listne", "listen"), 1);
        assert_eq!(edit_distance("form", "from"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(
            did_you_mean("lisen", ["listen", "max_body_bytes"]).as_deref(),
            Some(" (did you mean `listen`?)")
        );
        assert_eq!(did_you_mean("colour", ["listen", "kind"]), None);
        assert_eq!(
            did_you_mean("knd", ["kind"]).as_deref(),
            Some(" (did you mean `kind`?)")
        );
    }
}
