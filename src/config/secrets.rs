//! Secret keys: `K = "..."` inline or `K_file = "/path"` (systemd `LoadCredential=`).
//! Messages name keys and paths, never what a secret or its file contains.

use super::errors::Problems;
use super::section::{a_type, Section};
use crate::secret::Secret;
use std::path::{Path, PathBuf};
use toml::Value;

/// Where relative paths in the config point: the config file's folder.
pub(crate) fn resolve(base_dir: &Path, path: &str) -> PathBuf {
    let path = Path::new(path);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        base_dir.join(path)
    }
}

/// The file's contents without trailing line breaks (editors and `echo` add them).
pub(crate) fn read_secret_file(path: &Path) -> Result<Secret, String> {
    let bytes = std::fs::read(path)
        .map_err(|e| format!("cannot read secret file {}: {e}", path.display()))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("secret file {} is not valid UTF-8", path.display()))?;
    let value = text.trim_end_matches(['\n', '\r']);
    if value.is_empty() {
        return Err(format!("secret file {} is empty", path.display()));
    }
    Ok(Secret::new(value))
}

/// An inline secret value, without ever echoing it.
pub(crate) fn inline_secret(value: &Value) -> Result<Secret, String> {
    match value {
        Value::String(s) if s.is_empty() => Err("must not be empty".to_string()),
        Value::String(s) => Ok(Secret::new(s.clone())),
        other => Err(format!("expected a string, found {}", a_type(other))),
    }
}

impl Section<'_> {
    /// True when `key` or `key_file` is given, whatever its validity.
    pub fn has_secret(&mut self, key: &str) -> bool {
        let inline = self.has(key);
        let file = self.has(&format!("{key}_file"));
        inline || file
    }

    /// `key` / `key_file`; `None` when neither is given or the given one is unusable
    /// (reported).
    pub fn secret(
        &mut self,
        key: &str,
        base_dir: &Path,
        problems: &mut Problems,
    ) -> Option<Secret> {
        let file_key = format!("{key}_file");
        let inline = self.get(key);
        let file = self.get(&file_key);
        match (inline, file) {
            (None, None) => None,
            (Some(_), Some(_)) => {
                problems.push(
                    self.key(key),
                    format!("give either `{key}` or `{file_key}`, not both"),
                );
                None
            }
            (Some(_), None) => self.optional(key, problems, inline_secret),
            (None, Some(_)) => self.optional(&file_key, problems, |value| {
                let Value::String(path) = value else {
                    return Err(format!(
                        "expected a file path string, found {}",
                        a_type(value)
                    ));
                };
                if path.is_empty() {
                    return Err("must not be empty".to_string());
                }
                read_secret_file(&resolve(base_dir, path))
            }),
        }
    }

    /// Like `secret`, and absence is reported.
    pub fn required_secret(
        &mut self,
        key: &str,
        base_dir: &Path,
        problems: &mut Problems,
    ) -> Option<Secret> {
        if !self.has_secret(key) {
            problems.push(
                self.key(key),
                format!("required key is missing (give `{key}` or `{key}_file`)"),
            );
            return None;
        }
        self.secret(key, base_dir, problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use toml::Table;

    fn walk(text: &str, dir: &Path) -> (Option<Secret>, String) {
        let table: Table = text.parse().unwrap();
        let mut problems = Problems::default();
        let mut s = Section::new("admin", &table);
        let secret = s.secret("token", dir, &mut problems);
        s.finish(&mut problems, |_| None);
        let report = match problems.finish(()) {
            Ok(()) => String::new(),
            Err(e) => e.to_string(),
        };
        (secret, report)
    }

    #[test]
    fn inline_and_file_forms() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("tok"), "s3cr3t-from-file\n\r\n").unwrap();

        let (secret, report) = walk("token = \"s3cr3t-inline\"", dir.path());
        assert_eq!(secret.unwrap().expose(), "s3cr3t-inline");
        assert_eq!(report, "");

        // Relative paths resolve against the config's folder.
        let (secret, report) = walk("token_file = \"tok\"", dir.path());
        assert_eq!(secret.unwrap().expose(), "s3cr3t-from-file");
        assert_eq!(report, "");

        let absolute = dir.path().join("tok");
        let text = format!("token_file = {:?}", absolute.display().to_string());
        let (secret, _) = walk(&text, Path::new("/nonexistent"));
        assert_eq!(secret.unwrap().expose(), "s3cr3t-from-file");

        let (secret, report) = walk("", dir.path());
        assert!(secret.is_none());
        assert_eq!(report, "");
    }

    #[test]
    fn refused_forms() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("tok"), "s3cr3t-from-file").unwrap();
        std::fs::write(dir.path().join("empty"), "\n").unwrap();

        let (secret, report) = walk(
            "token = \"s3cr3t-inline\"\ntoken_file = \"tok\"",
            dir.path(),
        );
        assert!(secret.is_none());
        assert_eq!(
            report,
            "admin.token: give either `token` or `token_file`, not both"
        );
        assert!(!report.contains("s3cr3t"));

        let (_, report) = walk("token_file = \"missing\"", dir.path());
        let missing = dir.path().join("missing").display().to_string();
        assert!(
            report.starts_with("admin.token_file: cannot read secret file "),
            "{report}"
        );
        assert!(report.contains(&missing), "{report}");

        let (_, report) = walk("token_file = \"empty\"", dir.path());
        assert!(report.contains("is empty"), "{report}");

        let (_, report) = walk("token = \"\"", dir.path());
        assert_eq!(report, "admin.token: must not be empty");

        let (_, report) = walk("token = 12345", dir.path());
        assert_eq!(report, "admin.token: expected a string, found an integer");
        assert!(!report.contains("12345"));

        let (_, report) = walk("tokn = \"s3cr3t\"", dir.path());
        assert_eq!(report, "admin.tokn: unknown key (did you mean `token`?)");
    }
}
