//! What the demo prints for each step: per channel, the calls the sims received and the
//! outcome ordersync recorded (from the admin API's view of the order). Sized for an
//! 80–100 column terminal; CJK text counts two columns.

use super::story::Channel;
use crate::sim::RecordedCall;
use serde_json::Value;
use std::fmt::Write;

/// The call column's widest cell; longer calls are cut with `…`.
const CALL_WIDTH: usize = 68;
/// Free text (notes, refusal messages) is cut to fit this many columns.
const LINE_WIDTH: usize = 96;
const INDENT: &str = "   ";

/// Terminal columns of `text`: East Asian wide characters take two.
pub fn width(text: &str) -> usize {
    text.chars()
        .map(|c| {
            let wide = matches!(c as u32,
                0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF
                | 0x4E00..=0x9FFF | 0xA960..=0xA97F | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
                | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6);
            if wide {
                2
            } else {
                1
            }
        })
        .sum()
}

/// `text` cut to at most `columns` terminal columns, ending in `…` when cut.
pub fn fit(text: &str, columns: usize) -> String {
    if width(text) <= columns {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        if width(&out) + width(&c.to_string()) + 1 > columns {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

fn pad(text: &str, columns: usize) -> String {
    format!("{text}{}", " ".repeat(columns.saturating_sub(width(text))))
}

/// Long opaque ids (UUIDs, unique keys) shortened to their first 8 characters.
fn short_path(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.chars().count() > 14 {
                format!("{}…", segment.chars().take(8).collect::<String>())
            } else {
                segment.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Scalars of a JSON object as `key=value`, the object's own before nested ones
/// (`{"prod_order_no": .., "etc": {"parcel_code": ..}}` reads in that order).
fn flatten(value: &Value, out: &mut Vec<String>) {
    let Value::Object(map) = value else {
        out.push(value.to_string());
        return;
    };
    for (key, value) in map {
        match value {
            Value::Object(_) => {}
            Value::Array(_) => out.push(format!("{key}={value}")),
            scalar => out.push(format!("{key}={}", text(scalar))),
        }
    }
    for value in map.values().filter(|v| v.is_object()) {
        flatten(value, out);
    }
}

/// The body as `key=value` pairs (JSON or form). Token requests carry credentials and
/// are shown without a body.
fn short_body(call: &RecordedCall) -> String {
    if call.is_auth() || call.body.is_empty() {
        return String::new();
    }
    let mut pairs = Vec::new();
    match call.json() {
        Some(json) => flatten(&json, &mut pairs),
        None => pairs.extend(call.form().iter().map(|(k, v)| format!("{k}={v}"))),
    }
    pairs.join(" ")
}

/// The call as one line, or two (request line, then the body indented) when one does
/// not fit the column.
pub fn call_lines(call: &RecordedCall) -> Vec<String> {
    let request = format!("{} {}", call.method, short_path(&call.path));
    let body = short_body(call);
    let one = format!("{request} {body}");
    if body.is_empty() {
        vec![fit(&request, CALL_WIDTH)]
    } else if width(&one) <= CALL_WIDTH {
        vec![one]
    } else {
        vec![
            fit(&request, CALL_WIDTH),
            fit(&format!("  {body}"), CALL_WIDTH),
        ]
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The delivery entries of `order`'s history recorded after event `event_id`.
fn deliveries_after<'a>(order: &'a Value, event_id: &str) -> Vec<&'a Value> {
    let history = order["history"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let start = history
        .iter()
        .position(|h| h["kind"] == "event" && h["event_id"] == event_id)
        .map_or(history.len(), |i| i + 1);
    history[start..]
        .iter()
        .filter(|h| h["kind"] == "delivery")
        .collect()
}

fn error_text(error: &Value) -> String {
    match error["code"].as_str() {
        Some(code) => format!("{code}: {}", text(&error["message"])),
        None => text(&error["message"]),
    }
}

/// The table for one accepted event: every channel, what was sent, what came of it.
pub fn step_table(
    channels: &[Channel],
    calls: &[RecordedCall],
    order: &Value,
    event_id: &str,
) -> String {
    let deliveries = deliveries_after(order, event_id);
    let mut rows: Vec<[String; 3]> = Vec::new();
    let mut notes: Vec<(usize, String)> = Vec::new();
    for channel in channels {
        let name = channel.name.as_str();
        let sent: Vec<String> = calls
            .iter()
            .filter(|c| c.kind == channel.kind)
            .flat_map(call_lines)
            .collect();
        let mine: Vec<&&Value> = deliveries.iter().filter(|d| d["channel"] == name).collect();
        let mut outcome = mine
            .iter()
            .map(|d| text(&d["outcome"]))
            .collect::<Vec<_>>()
            .join(", ");
        let lines = match (sent.is_empty(), mine.first()) {
            (false, _) => sent,
            (true, Some(first)) => vec![format!(
                "(nothing sent: {})",
                text(&first["error"]["message"])
            )],
            (true, None) => {
                outcome = "-".to_string();
                vec!["(no change for this channel)".to_string()]
            }
        };
        let state = text(&order["channels"][name]["state"]);
        if matches!(state.as_str(), "pending" | "retrying") {
            outcome = format!("{state} (not settled)");
        }
        let last = lines.len() - 1;
        for (i, line) in lines.into_iter().enumerate() {
            let label = if i == 0 {
                name.to_string()
            } else {
                String::new()
            };
            let result = if i == last {
                outcome.clone()
            } else {
                String::new()
            };
            rows.push([label, fit(&line, CALL_WIDTH), result]);
        }
        for d in &mine {
            if matches!(
                d["outcome"].as_str(),
                Some("rejected" | "retry" | "auth" | "dead")
            ) && d["error"].is_object()
            {
                notes.push((rows.len() - 1, format!("↳ {}", error_text(&d["error"]))));
            }
        }
    }
    render(&rows, &notes)
}

/// Left-aligned columns sized to their widest cell (in terminal columns), indented;
/// the last column is not padded.
fn grid(header: &[&str], rows: &[Vec<String>]) -> Vec<String> {
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| width(&r[i]))
                .chain([width(header[i])])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        let last = cells.len() - 1;
        let padded: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i == last {
                    c.to_string()
                } else {
                    pad(c, widths[i])
                }
            })
            .collect();
        format!("{INDENT}{}", padded.join("  "))
            .trim_end()
            .to_string()
    };
    let mut lines = vec![line(header.to_vec())];
    lines.extend(
        rows.iter()
            .map(|r| line(r.iter().map(String::as_str).collect())),
    );
    lines
}

fn render(rows: &[[String; 3]], notes: &[(usize, String)]) -> String {
    let rows: Vec<Vec<String>> = rows.iter().map(|r| r.to_vec()).collect();
    let lines = grid(&["CHANNEL", "CALL", "OUTCOME"], &rows);
    let lead_width = rows
        .iter()
        .map(|r| width(&r[0]))
        .chain([width("CHANNEL")])
        .max()
        .unwrap_or(0);
    let lead = format!("{INDENT}{}  ", " ".repeat(lead_width));
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        let _ = writeln!(out, "{line}");
        // Line 0 is the header: row i is line i + 1.
        for (_, note) in notes.iter().filter(|(at, _)| i > 0 && *at == i - 1) {
            let room = LINE_WIDTH.saturating_sub(width(&lead));
            let _ = writeln!(out, "{lead}{}", fit(note, room));
        }
    }
    out
}

/// Where each order stands: its status and every channel's sync state.
pub fn standing(channels: &[Channel], orders: &[Value]) -> String {
    let mut header = vec!["ORDER", "STATUS"];
    header.extend(channels.iter().map(|c| c.name.as_str()));
    let rows: Vec<Vec<String>> = orders
        .iter()
        .map(|order| {
            let mut row = vec![text(&order["order_id"]), text(&order["status"])];
            row.extend(channels.iter().map(|c| {
                let state = text(&order["channels"][c.name.as_str()]["state"]);
                if state.is_empty() {
                    "-".to_string()
                } else {
                    state
                }
            }));
            row
        })
        .collect();
    grid(&header, &rows).join("\n") + "\n"
}

/// One line on the daemon's answer to a webhook.
pub fn answer_line(status: u16, body: &Value) -> String {
    let what = match (body["status"].as_str(), body["error"].as_str()) {
        (Some(status), _) => status.to_string(),
        (None, Some(code)) => format!("{code}: {}", text(&body["message"])),
        (None, None) => body.to_string(),
    };
    fit(&format!("{INDENT}→ {status} {what}"), LINE_WIDTH)
}

/// The step's heading: a numbered rule.
pub fn heading(number: usize, total: usize, title: &str) -> String {
    let text = format!("── {number}/{total}  {title} ");
    let rule = 80usize.saturating_sub(width(&text));
    format!("{text}{}", "─".repeat(rule))
}

pub fn note(text: &str) -> String {
    fit(&format!("{INDENT}({text})"), LINE_WIDTH)
}

#[cfg(test)]
mod tests;
