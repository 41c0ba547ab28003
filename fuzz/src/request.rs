//! The input format of the request targets: an HTTP-like header block, a blank line, then
//! the raw body. Readable seeds, and libFuzzer mutates header values and body alike.
//!
//! ```text
//! x-shopify-topic: orders/paid
//! x-shopify-event-id: 98880550
//!
//! {"id": 5683924041954, ...}
//! ```
//!
//! - The header block ends at the first `\n\n`; without one the whole input is the body.
//! - Each line is `name: value`; the name is trimmed and lower-cased (as the handler does),
//!   one space after the colon is dropped, the rest of the value is kept as is (the
//!   adapters must trim it themselves). Lines without a colon are skipped. Bytes that are
//!   not UTF-8 become U+FFFD: a superset of what the handler passes (visible ASCII).
//! - Header order is kept: adapters read the first value of a name.
//! - Names starting with `x-fuzz-` are instructions to the harness, removed before the
//!   request reaches the adapter.

pub type Headers = Vec<(String, String)>;

/// Splits an input into its headers and body.
pub fn parse(data: &[u8]) -> (Headers, &[u8]) {
    let Some(end) = data.windows(2).position(|pair| pair == b"\n\n") else {
        return (Vec::new(), data);
    };
    let headers = data[..end]
        .split(|byte| *byte == b'\n')
        .filter_map(|line| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let colon = line.iter().position(|byte| *byte == b':')?;
            let name = String::from_utf8_lossy(&line[..colon])
                .trim()
                .to_ascii_lowercase();
            let value = &line[colon + 1..];
            let value = value.strip_prefix(b" ").unwrap_or(value);
            Some((name, String::from_utf8_lossy(value).into_owned()))
        })
        .collect();
    (headers, &data[end + 2..])
}

/// The first value of a header, untrimmed.
pub fn first<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, value)| value.as_str())
}

/// The first value of a header, trimmed, when it is not blank: what the adapters treat as
/// present.
pub fn present<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    first(headers, name)
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

/// Removes every `x-fuzz-*` header; returns the first value of `name` among them.
pub fn take_instruction(headers: &mut Headers, name: &str) -> Option<String> {
    let wanted = first(headers, name).map(str::to_string);
    headers.retain(|(n, _)| !n.starts_with("x-fuzz-"));
    wanted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_headers_and_body() {
        let (headers, body) = parse(b"A-B:  x \r\nnocolon\nc:\n\n{\n\n}");
        assert_eq!(
            headers,
            vec![
                ("a-b".to_string(), " x ".to_string()),
                ("c".to_string(), String::new())
            ]
        );
        assert_eq!(body, b"{\n\n}");
        assert_eq!(parse(b"just a body"), (Vec::new(), &b"just a body"[..]));
        assert_eq!(parse(b"\n\n"), (Vec::new(), &b""[..]));
    }
}
