//! Walking one TOML table by hand: every key read is remembered, so whatever is left at
//! the end is a typo or a misplaced key and gets reported with its full path.

use super::duration::parse_duration;
use super::errors::{did_you_mean, join_key, Problems};
use std::time::Duration;
use toml::{Table, Value};

pub(crate) struct Section<'a> {
    path: String,
    table: &'a Table,
    known: Vec<String>,
}

impl<'a> Section<'a> {
    pub fn new(path: impl Into<String>, table: &'a Table) -> Self {
        Self {
            path: path.into(),
            table,
            known: Vec::new(),
        }
    }

    /// The full path of `key` inside this table.
    pub fn key(&self, key: &str) -> String {
        join_key(&self.path, key)
    }

    /// Looks `key` up and counts it as a key this table may hold.
    pub fn get(&mut self, key: &str) -> Option<&'a Value> {
        self.known.push(key.to_string());
        self.table.get(key)
    }

    /// The table's own keys, for maps of named tables (`[sources.*]`, `[channels.*]`).
    pub fn table_keys(&self) -> Vec<String> {
        self.table.keys().cloned().collect()
    }

    pub fn has(&mut self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Keys that are not read here but must not be called unknown either.
    pub fn allow(&mut self, keys: &[&str]) {
        self.known.extend(keys.iter().map(|k| k.to_string()));
    }

    /// `None` when absent or invalid; an invalid value is reported.
    pub fn optional<T>(
        &mut self,
        key: &str,
        problems: &mut Problems,
        convert: impl FnOnce(&'a Value) -> Result<T, String>,
    ) -> Option<T> {
        let value = self.get(key)?;
        convert(value)
            .map_err(|message| problems.push(self.key(key), message))
            .ok()
    }

    /// Like `optional`, and absence is reported too.
    pub fn required<T>(
        &mut self,
        key: &str,
        problems: &mut Problems,
        convert: impl FnOnce(&'a Value) -> Result<T, String>,
    ) -> Option<T> {
        if self.table.contains_key(key) {
            self.optional(key, problems, convert)
        } else {
            self.known.push(key.to_string());
            problems.push(self.key(key), "required key is missing");
            None
        }
    }

    /// The value, or `default` when absent. An invalid value is reported and the default
    /// stands in so the walk can go on (the config is refused anyway).
    pub fn or<T>(
        &mut self,
        key: &str,
        problems: &mut Problems,
        default: T,
        convert: impl FnOnce(&'a Value) -> Result<T, String>,
    ) -> T {
        self.optional(key, problems, convert).unwrap_or(default)
    }

    /// A nested table; `None` when absent or not a table (reported).
    pub fn table(&mut self, key: &str, problems: &mut Problems) -> Option<Section<'a>> {
        let path = self.key(key);
        self.optional(key, problems, table)
            .map(|t| Section::new(path, t))
    }

    /// The keys nobody read. `misplaced` may explain a key that belongs elsewhere (a key
    /// of another channel kind); otherwise the message offers the closest known key.
    pub fn finish(self, problems: &mut Problems, misplaced: impl Fn(&str) -> Option<String>) {
        for key in self.table.keys() {
            if self.known.iter().any(|k| k == key) {
                continue;
            }
            let message = misplaced(key).unwrap_or_else(|| {
                let hint = did_you_mean(key, self.known.iter().map(String::as_str));
                format!("unknown key{}", hint.unwrap_or_default())
            });
            problems.push(self.key(key), message);
        }
    }
}

/// "a string", "an integer", ... for type errors.
pub(crate) fn a_type(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a float",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(_) => "a date-time",
        Value::Array(_) => "an array",
        Value::Table(_) => "a table",
    }
}

pub(crate) fn table(value: &Value) -> Result<&Table, String> {
    value
        .as_table()
        .ok_or_else(|| format!("expected a table, found {}", a_type(value)))
}

pub(crate) fn array(value: &Value) -> Result<&Vec<Value>, String> {
    value
        .as_array()
        .ok_or_else(|| format!("expected an array, found {}", a_type(value)))
}

pub(crate) fn string(value: &Value) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        other => Err(format!("expected a string, found {}", a_type(other))),
    }
}

pub(crate) fn non_empty_string(value: &Value) -> Result<String, String> {
    let s = string(value)?;
    if s.trim().is_empty() {
        return Err("must not be empty".to_string());
    }
    Ok(s)
}

pub(crate) fn boolean(value: &Value) -> Result<bool, String> {
    value
        .as_bool()
        .ok_or_else(|| format!("expected true or false, found {}", a_type(value)))
}

/// An integer ≥ 1 that fits `T`.
pub(crate) fn positive<T: TryFrom<i64>>(value: &Value) -> Result<T, String> {
    let Value::Integer(n) = value else {
        return Err(format!("expected an integer, found {}", a_type(value)));
    };
    if *n < 1 {
        return Err(format!("must be at least 1, got {n}"));
    }
    T::try_from(*n).map_err(|_| format!("{n} is too large"))
}

pub(crate) fn duration(value: &Value) -> Result<Duration, String> {
    match value {
        Value::String(s) => parse_duration(s),
        other => Err(format!(
            "expected a string like \"5s\", found {}",
            a_type(other)
        )),
    }
}

pub(crate) fn positive_duration(value: &Value) -> Result<Duration, String> {
    let d = duration(value)?;
    if d.is_zero() {
        return Err("must be longer than 0s".to_string());
    }
    Ok(d)
}

/// One of a fixed set of words, e.g. `durability`.
pub(crate) fn one_of<T: Copy>(
    choices: &'static [(&'static str, T)],
) -> impl Fn(&Value) -> Result<T, String> {
    move |value| {
        let word = string(value)?;
        choices
            .iter()
            .find(|(name, _)| *name == word)
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                let names: Vec<String> = choices.iter().map(|(n, _)| format!("{n:?}")).collect();
                format!("unknown value {word:?} (expected {})", names.join(", "))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Table {
        text.parse().unwrap()
    }

    #[test]
    fn leftover_keys_are_reported_with_hints() {
        let t = parsed("listen = 1\nlisen = 2\nzzz = 3\n");
        let mut problems = Problems::default();
        let mut s = Section::new("server", &t);
        assert!(s.has("listen"));
        s.finish(&mut problems, |_| None);
        let errors = problems.finish(()).unwrap_err();
        assert_eq!(
            errors.to_string(),
            "server.lisen: unknown key (did you mean `listen`?)\nserver.zzz: unknown key"
        );
    }

    #[test]
    fn type_errors_name_the_expected_type() {
        let t = parsed("a = 5\nb = \"x\"\nc = 0\nd = true\n");
        let mut p = Problems::default();
        let mut s = Section::new("x", &t);
        assert_eq!(s.optional("a", &mut p, duration), None);
        assert_eq!(s.optional("b", &mut p, positive::<u32>), None);
        assert_eq!(s.optional("c", &mut p, positive::<u32>), None);
        assert_eq!(s.optional("d", &mut p, string), None);
        assert_eq!(s.required("e", &mut p, string), None);
        let text = p.finish(()).unwrap_err().to_string();
        assert_eq!(
            text,
            "x.a: expected a string like \"5s\", found an integer\n\
             x.b: expected an integer, found a string\n\
             x.c: must be at least 1, got 0\n\
             x.d: expected a string, found a boolean\n\
             x.e: required key is missing"
        );
    }
}
