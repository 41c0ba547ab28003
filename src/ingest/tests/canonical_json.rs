//! The canonical body as JSON: what is and is not JSON, which error a body with several
//! problems gets, repeated keys. `parse_canonical` reads the body straight into its wire
//! structs and only builds a `Value` when that fails; the answers here are the ones the
//! `Value`-only parser gave (checked against it), and the property compares the two.

use crate::domain::{EventId, OrderEvent};
use crate::ingest::canonical::parse_via_value;
use crate::ingest::{parse_canonical, IngestError};
use proptest::prelude::*;

/// A valid event's envelope and `data` up to its last required field, left open.
const OK: &str = r#"{"type":"order.paid","data":{"order_id":"1001","status":"paid","updated_at":"2026-11-22T10:00:00Z""#;

fn outcome(result: Result<OrderEvent, IngestError>) -> Result<OrderEvent, (String, String)> {
    result.map_err(|error| (error.code().to_string(), error.to_string()))
}

fn parse(body: &[u8]) -> Result<OrderEvent, (String, String)> {
    outcome(parse_canonical(EventId::parse("evt").unwrap(), body))
}

fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

fn item(extra: &str) -> String {
    format!(r#"{OK},"items":[{{"id":"L1","status":"paid",{extra}}}]}}}}"#)
}

#[test]
fn errors_are_those_of_the_value_parser() {
    let malformed = "body is not valid JSON: ";
    let cases: Vec<(Vec<u8>, &str, String)> = vec![
        // A syntax error is reported as one wherever it is, even after a type error.
        (
            format!(r#"{OK},"items":[{{"id":"L1","status":"paid"}},{{"id": }}]}}}}"#).into(),
            "malformed_json",
            format!("{malformed}expected value at line 1 column 144"),
        ),
        (
            format!(r#"{OK},"items":[{{"id":"L1","status":5}},{{"id": }}]}}}}"#).into(),
            "malformed_json",
            format!("{malformed}expected value at line 1 column 139"),
        ),
        (
            br#"{"type": 5, "data": {"#.to_vec(),
            "malformed_json",
            format!("{malformed}EOF while parsing an object at line 1 column 21"),
        ),
        (
            format!("{OK}}}}} {{}}").into(),
            "malformed_json",
            format!("{malformed}trailing characters at line 1 column 102"),
        ),
        // Skipped fields are held to the same rules as the rest.
        (
            format!(r#"{OK}}},"x":{}}}"#, nested(127)).into(),
            "malformed_json",
            format!("{malformed}recursion limit exceeded at line 1 column 231"),
        ),
        (
            item(&format!(r#""x":{}"#, nested(124))).into(),
            "malformed_json",
            format!("{malformed}recursion limit exceeded at line 1 column 263"),
        ),
        (
            format!(r#"{OK}}},"x":1e400}}"#).into(),
            "malformed_json",
            format!("{malformed}number out of range at line 1 column 109"),
        ),
        (
            format!(r#"{OK},"x":"\ud800"}}}}"#).into(),
            "malformed_json",
            format!("{malformed}unexpected end of hex escape at line 1 column 111"),
        ),
        (
            item(r#""sku":"\udc00""#).into(),
            "malformed_json",
            format!("{malformed}lone leading surrogate in hex escape at line 1 column 148"),
        ),
        (
            format!(r#"{OK},"x":[1,]}}}}"#).into(),
            "malformed_json",
            format!("{malformed}trailing comma at line 1 column 107"),
        ),
        (
            [format!(r#"{OK},"x":""#).as_bytes(), b"\xc3\x28\"}}"].concat(),
            "malformed_json",
            "body is not UTF-8: invalid byte at offset 104".into(),
        ),
        // Not an object at the top.
        (
            br#""text""#.to_vec(),
            "invalid_event",
            r#"body: invalid type: string "text", expected a JSON object"#.into(),
        ),
        (
            b"null".to_vec(),
            "invalid_event",
            "body: invalid type: null, expected a JSON object".into(),
        ),
        (
            b"5".to_vec(),
            "invalid_event",
            "body: invalid type: integer `5`, expected a JSON object".into(),
        ),
        (
            b"[]".to_vec(),
            "invalid_event",
            "body: invalid type: sequence, expected a JSON object".into(),
        ),
        // Of two type errors the first by key wins, not the first in the body.
        (
            br#"{"type": 7, "data": "x"}"#.to_vec(),
            "invalid_event",
            r#"data: invalid type: string "x", expected a JSON object"#.into(),
        ),
        (
            item(r#""status":7,"id":8"#)
                .replace(r#""id":"L1","status":"paid","#, "")
                .into(),
            "invalid_event",
            "data.items[0].id: invalid type: integer `8`, expected a string".into(),
        ),
        (
            format!(
                r#"{OK},"links":[{{"channel":"c","order_id":"1","items":{{"B":5,"A":6}}}}]}}}}"#
            )
            .into(),
            "invalid_event",
            "data.links[0].items.A: invalid type: integer `6`, expected a string".into(),
        ),
        // A repeated key: the last one counts.
        (
            format!(r#"{OK},"items":[{{"id":"L1","status":"paid"}}],"items":5}}}}"#).into(),
            "invalid_event",
            "data.items: invalid type: integer `5`, expected a sequence".into(),
        ),
        // The quantity is quoted as JSON, keys sorted.
        (
            item(r#""quantity":{"b":1,"a":[2]}"#).into(),
            "invalid_event",
            r#"data.items[0].quantity: must be a non-negative integer, got {"a":[2],"b":1}"#.into(),
        ),
        // Escapes are undone before the rules are checked.
        (
            format!(
                r#"{OK},"links":[{{"channel":"c","order_id":"1","items":{{"L\u0031":"r\n"}}}}]}}}}"#
            )
            .into(),
            "invalid_event",
            "data.links[0].items.L1: must not contain control characters".into(),
        ),
    ];
    for (body, code, message) in cases {
        let shown = String::from_utf8_lossy(&body).into_owned();
        assert_eq!(parse(&body), Err((code.to_string(), message)), "{shown}");
    }
}

#[test]
fn accepted_bodies_read_as_the_value_parser_reads_them() {
    let accepted =
        |body: String| parse(body.as_bytes()).unwrap_or_else(|error| panic!("{body}: {error:?}"));
    // The deepest a skipped field may go.
    accepted(format!(r#"{OK}}},"x":{}}}"#, nested(126)));
    accepted(item(&format!(r#""x":{}"#, nested(123))));
    // A repeated key: the last one counts, whatever the earlier one held.
    let event = accepted(format!(r#"{{"type":5,"type":"order.x",{}"#, &OK[21..]) + "}}");
    assert_eq!(event.kind, "order.x");
    let event = accepted(format!(r#"{OK},"status":5,"status":"canceled"}}}}"#));
    assert_eq!(event.status, crate::domain::Status::Canceled);
    let event = accepted(format!(
        r#"{OK},"links":[{{"channel":"c","order_id":"1","items":{{"L2":5,"L2":"y"}}}}]}}}}"#
    ));
    assert_eq!(event.links[0].items.values().next().unwrap().as_str(), "y");
    // Escaped keys and values.
    let event = accepted(
        r#"{"typ\u0065":"x","da\u0074a":{"order_id":"1\u00e9","status":"paid","updated_at":"2026-11-22T10:00:00Z","cancel":{"note":"n\""}}}"#
            .to_string(),
    );
    assert_eq!((event.kind.as_str(), event.order_id.as_str()), ("x", "1é"));
    assert_eq!(event.cancel.unwrap().note.as_deref(), Some("n\""));
}

/// Pieces of JSON that, dropped into a valid body, break it in every way there is; the
/// last ones are whole fields no wire struct names, valid but for what `Value` refuses.
fn tokens() -> Vec<String> {
    let plain = [
        "[",
        "]",
        "{",
        "}",
        ",",
        ":",
        "\"",
        "\\",
        " ",
        "null",
        "5",
        "-1",
        "1.5",
        "1e400",
        "\"x\"",
        "\"\\ud800\"",
        "\"a\":1,",
        "\"items\":",
        "\"status\":",
        "[[[[[[[[",
        "\u{e9}",
        "\"\\u0041\"",
        "\"z\":1e400,",
        "\"z\":\"\\udc00\",",
    ];
    let mut tokens: Vec<String> = plain.iter().map(|token| token.to_string()).collect();
    tokens.push(format!("\"z\":{},", nested(128)));
    tokens
}

/// The example of INGEST.md with extras where a storefront would put them.
const BODY: &str = r#"{"type":"order.updated","timestamp":"2026-11-22T10:00:00Z","data":{"order_id":"1001","status":"dispatched","updated_at":"2026-11-22T10:00:00Z","payment_method":"cod","items":[{"id":"L1","quantity":2,"status":"dispatched","sku":"S-1","price":{"amount":1200,"tags":["a",null,true]}},{"id":"L2","quantity":1,"status":"preparing"}],"shipment":{"carrier":"sagawa","tracking_number":"123412341234","item_ids":["L1"]},"cancel":{"reason":"SOLD_OUT","note":"out of stock"},"links":[{"channel":"base-jp","order_id":"154D88A39E454289","items":{"L1":"123","L2":"124"}},{"channel":"payco","order_id":"imp_123456789012"}]}}"#;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn direct_and_value_parsers_agree(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>(), any::<bool>()), 0..4)
    ) {
        let tokens = tokens();
        let mut body = BODY.as_bytes().to_vec();
        for (at, token, delete) in edits {
            let at = at.index(body.len() + 1);
            if delete && at < body.len() {
                body.remove(at);
            } else {
                body.splice(at..at, token.get(&tokens).bytes());
            }
        }
        let id = EventId::parse("evt").unwrap();
        let value = outcome(parse_via_value(id, &body));
        prop_assert_eq!(parse(&body), value, "{}", String::from_utf8_lossy(&body));
    }
}
