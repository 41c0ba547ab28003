//! `ordersync demo --once`, the real binary: the story runs to its end and prints the
//! outcomes the sims and connectors produce on all five marketplaces.

use std::collections::BTreeMap;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(120);

/// The text of step `n` (from its heading to the next one).
fn step(output: &str, n: usize) -> &str {
    let start = output
        .find(&format!("── {n}/9 "))
        .unwrap_or_else(|| panic!("no step {n} in:\n{output}"));
    let rest = &output[start..];
    let after_heading = rest.find('\n').unwrap_or(rest.len());
    let end = rest[after_heading..]
        .find("\n── ")
        .map_or(rest.len(), |i| after_heading + i);
    &rest[..end]
}

/// A channel's rows in a step's table: its first row up to the next channel's.
fn block(step: &str, channel: &str) -> String {
    let mut lines = step
        .lines()
        .skip_while(|l| !l.starts_with(&format!("   {channel} ")));
    let first = lines
        .next()
        .unwrap_or_else(|| panic!("no {channel} row in:\n{step}"));
    let more = lines.take_while(|l| l.starts_with("    ") && !l.trim().is_empty());
    std::iter::once(first)
        .chain(more)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The closing table: order id → channel (or STATUS) → state.
fn standing(output: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut lines = output
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("ORDER  STATUS"));
    let header: Vec<&str> = lines
        .next()
        .expect("the standing table")
        .split_whitespace()
        .collect();
    lines
        .take_while(|l| !l.trim().is_empty())
        .map(|row| {
            let cells: Vec<&str> = row.split_whitespace().collect();
            let by_column = header[1..]
                .iter()
                .zip(&cells[1..])
                .map(|(h, c)| (h.to_string(), c.to_string()))
                .collect();
            (cells[0].to_string(), by_column)
        })
        .collect()
}

/// Terminal columns: Hangul and CJK take two.
fn columns(line: &str) -> usize {
    line.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F
            | 0x2E80..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFF00..=0xFF60 => 2,
            _ => 1,
        })
        .sum()
}

#[tokio::test]
async fn demo_once_tells_the_story() {
    let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_ordersync"))
        .args(["demo", "--once"])
        .env_remove("RUST_LOG")
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(TIMEOUT, run)
        .await
        .expect("the demo finishes in time")
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "exit {:?}\n{stdout}\n{stderr}",
        output.status
    );
    for line in stdout.lines() {
        assert!(columns(line) <= 100, "wider than 100 columns: {line}");
    }

    let dispatched = step(&stdout, 2);
    assert!(dispatched.contains("→ 202 accepted"), "{dispatched}");
    let wiz = block(dispatched, "wiz");
    assert!(
        wiz.contains("WizCommerce has no status for dispatched") && wiz.ends_with("unsupported"),
        "{wiz}"
    );
    let payco = block(dispatched, "payco");
    assert!(payco.contains("POST /users/getToken"), "{payco}");
    assert!(
        payco.contains("status=DELIVERY_START") && payco.ends_with("done"),
        "{payco}"
    );
    let imweb = block(dispatched, "imweb-kr");
    assert!(
        imweb.contains("parcel_code=DHL") && imweb.ends_with("done"),
        "{imweb}"
    );

    let canceled = step(&stdout, 4);
    let imweb = block(canceled, "imweb-kr");
    assert!(imweb.contains("reason_code=SOLD_OUT"), "{imweb}");
    assert!(
        imweb.contains("rejected") && imweb.contains("이미 취소된 주문입니다"),
        "{imweb}"
    );
    assert!(
        block(canceled, "wiz").contains("status=cancelled"),
        "{canceled}"
    );

    let partial = step(&stdout, 6);
    let imweb = block(partial, "imweb-kr");
    assert_eq!(
        imweb.matches("/send").count(),
        2,
        "one call per line item: {imweb}"
    );
    assert!(
        imweb.contains("prod_order_no=2026112210031")
            && imweb.contains("prod_order_no=2026112210032"),
        "{imweb}"
    );
    let last = step(&stdout, 7);
    assert!(
        block(last, "imweb-kr").contains("prod_order_no=2026112210033"),
        "{last}"
    );
    assert!(
        block(last, "payco").contains("(no change for this channel)"),
        "{last}"
    );

    assert!(step(&stdout, 8).contains("→ 200 duplicate"), "{stdout}");
    assert!(step(&stdout, 8).contains("nothing is stored or sent a second time"));
    assert!(
        step(&stdout, 9).contains("→ 401 invalid_signature"),
        "{stdout}"
    );
    assert!(step(&stdout, 9).contains("order 1004 is not stored"));

    let orders = standing(&stdout);
    let state = |order: &str, column: &str| orders[order].get(column).map(String::as_str);
    assert_eq!(state("1001", "STATUS"), Some("dispatched"));
    assert_eq!(state("1001", "payco"), Some("done"));
    assert_eq!(state("1001", "imweb-kr"), Some("done"));
    assert_eq!(state("1001", "wiz"), Some("unsupported"));
    assert_eq!(state("1002", "STATUS"), Some("canceled"));
    assert_eq!(state("1002", "imweb-kr"), Some("rejected"));
    assert_eq!(state("1002", "wiz"), Some("done"));
    assert_eq!(state("1003", "imweb-kr"), Some("done"));
    assert_eq!(state("1001", "base-jp"), Some("done"));
    assert_eq!(state("1002", "base-jp"), Some("rejected"));
    assert_eq!(state("1003", "base-jp"), Some("done"));
    assert_eq!(state("1001", "youcan-ma"), Some("done"));
    assert_eq!(state("1002", "youcan-ma"), Some("done"));

    let base = block(dispatched, "base-jp");
    assert!(base.contains("POST /1/oauth/token"), "{base}");
    assert!(
        base.contains("status=dispatched")
            && base.contains("add_comment=[配送業者]DHL")
            && base.ends_with("done"),
        "{base}"
    );
    assert!(
        block(dispatched, "youcan-ma").contains("status/shipping status=shipped"),
        "{dispatched}"
    );
    let base = block(canceled, "base-jp");
    assert!(
        base.contains("not_cancel_credit_card") && base.contains("rejected"),
        "{base}"
    );
    let youcan = block(canceled, "youcan-ma");
    let general = youcan.find("status=canceled-by-seller").expect(&youcan);
    let shipping = youcan
        .find("status/shipping status=canceled")
        .expect(&youcan);
    assert!(
        general < shipping,
        "general status first, then shipping: {youcan}"
    );
    let base = block(partial, "base-jp");
    assert!(
        base.contains("order_item_id=10031") && base.contains("order_item_id=10032"),
        "{base}"
    );
    assert!(
        block(last, "base-jp").contains("order_item_id=10033"),
        "{last}"
    );

    let folder = stdout
        .split("store in ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .expect("the intro names the demo's folder");
    assert!(
        !std::path::Path::new(folder).exists(),
        "{folder} is removed on exit"
    );
}
