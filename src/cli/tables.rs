//! Human-readable output of the client commands.

use serde_json::Value;
use std::fmt::Write;

fn text(value: &Value) -> String {
    match value {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Left-aligned columns sized to their widest cell.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = line(header.iter().map(|h| h.to_string()).collect());
    for row in rows {
        out.push_str(&line(row.clone()));
    }
    out
}

pub fn order(order: &Value) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "order {}  status {}  updated {}",
        text(&order["order_id"]),
        text(&order["status"]),
        text(&order["updated_at"])
    );
    if let Some(shipment) = order["shipment"].as_object() {
        let _ = writeln!(
            out,
            "shipment {} {}",
            text(&shipment["carrier"]),
            text(&shipment["tracking_number"])
        );
    }
    let links: Vec<Vec<String>> = order["links"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|link| {
            let channel = text(&link["channel"]);
            let sync = &order["channels"][&channel];
            vec![
                channel,
                text(&link["order_id"]),
                text(&sync["state"]),
                text(&sync["status"]),
                text(&sync["attempts"]),
                last_error(&sync["last_error"]),
            ]
        })
        .collect();
    if !links.is_empty() {
        out.push('\n');
        out.push_str(&table(
            &[
                "CHANNEL",
                "REMOTE ID",
                "STATE",
                "STATUS",
                "ATTEMPTS",
                "LAST ERROR",
            ],
            &links,
        ));
    }
    let history: Vec<Vec<String>> = order["history"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| {
            let what = match h["kind"].as_str() {
                Some("event") => format!(
                    "event {} {} ({})",
                    text(&h["event_id"]),
                    text(&h["status"]),
                    text(&h["result"])
                ),
                Some("delivery") => format!(
                    "{} {} attempt {}: {}",
                    text(&h["channel"]),
                    text(&h["status"]),
                    text(&h["attempt"]),
                    text(&h["outcome"])
                ),
                Some("link") => {
                    format!("linked to {} {}", text(&h["channel"]), text(&h["order_id"]))
                }
                _ => format!("{} {}", text(&h["kind"]), text(&h["channel"])),
            };
            vec![text(&h["at"]), what, last_error(&h["error"])]
        })
        .collect();
    if !history.is_empty() {
        out.push('\n');
        out.push_str(&table(&["AT", "WHAT", "ERROR"], &history));
    }
    out
}

fn last_error(error: &Value) -> String {
    match error {
        Value::Object(e) => match e.get("code").and_then(Value::as_str) {
            Some(code) => format!("{code}: {}", text(&e["message"])),
            None => text(&e["message"]),
        },
        _ => "-".into(),
    }
}

pub fn orders(page: &Value) -> String {
    let rows: Vec<Vec<String>> = page["orders"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| {
            vec![
                text(&o["order_id"]),
                text(&o["status"]),
                text(&o["updated_at"]),
                text(&o["links"]),
            ]
        })
        .collect();
    let mut out = table(&["ORDER", "STATUS", "UPDATED", "LINKS"], &rows);
    if let Some(next) = page["next"].as_str() {
        let _ = writeln!(out, "more: --after {next}");
    }
    out
}

pub fn deliveries(list: &Value) -> String {
    let rows: Vec<Vec<String>> = list
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            vec![
                text(&d["id"]),
                text(&d["order_id"]),
                text(&d["channel"]),
                text(&d["status"]),
                text(&d["state"]),
                text(&d["attempts"]),
                text(&d["next_attempt_at"]),
                last_error(&d["last_error"]),
            ]
        })
        .collect();
    table(
        &[
            "ID",
            "ORDER",
            "CHANNEL",
            "STATUS",
            "STATE",
            "ATTEMPTS",
            "NEXT ATTEMPT",
            "LAST ERROR",
        ],
        &rows,
    )
}
