//! BASE's error codes: refusals, waits for payment, API limits until the next hour or
//! JST day, and `not_change_status` settled by reading the order.

use super::{base_error, connector, detail, detail_path, ok_order, one_line, EDIT, KEY};
use crate::mocks::{mount, on};
use ordersync::domain::{Outcome, RemoteError, Status};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use wiremock::{MockServer, ResponseTemplate};

/// One dispatch of item 123 answered by `response`; `detail_items` answers the
/// detail read (expected only after `not_change_status`).
async fn edit_answer(response: ResponseTemplate, detail_items: Option<&[(u64, &str)]>) -> Outcome {
    let server = MockServer::start().await;
    mount(&server, on("POST", EDIT), response, 1).await;
    let read = detail(detail_items.unwrap_or(&[]));
    let reads = u64::from(detail_items.is_some());
    mount(&server, on("GET", detail_path(KEY)), read, reads).await;
    let (base, _) = connector(&server);
    one_line(Status::Dispatched).deliver(&base).await
}

#[tokio::test]
async fn error_codes() {
    let rejected =
        |code: &str, message: &str| Outcome::Rejected(RemoteError::new(Some(code), message));
    for (code, message) in [
        ("no_order", "注文情報が見つかりませんでした。"),
        ("bad_params", "不正なパラメーターです。"),
        ("no_params", "order_item_idとstatusは必須です。"),
        (
            "not_cancel_base_bt",
            "銀行振込(BASE口座)決済のキャンセルはできません。",
        ),
        (
            "not_change_status_atobarai",
            "後払い決済のステータスは変更できません。",
        ),
        (
            "not_change_status_YamatoDelivery",
            "ヤマトかんたん発送Appを利用した注文の発送はできません。",
        ),
    ] {
        assert_eq!(
            edit_answer(base_error(code, message), None).await,
            rejected(code, message)
        );
    }
    assert_eq!(
        edit_answer(base_error("not_change_status_cvs", "入金待ち"), None).await,
        Outcome::Retry {
            after: Some(Duration::from_secs(3600)),
            rate_limited: false,
            error: RemoteError::new(Some("not_change_status_cvs"), "入金待ち")
        }
    );
    assert!(matches!(
        edit_answer(base_error("not_change_status_base_bt", "入金待ち"), None).await,
        Outcome::Retry { after: Some(d), rate_limited: false, .. } if d == Duration::from_secs(3600)
    ));
    assert!(matches!(
        edit_answer(
            base_error("db_error", "ステータスの変更ができませんでした。"),
            None
        )
        .await,
        Outcome::Retry {
            after: None,
            rate_limited: false,
            ..
        }
    ));
    assert!(matches!(
        edit_answer(ResponseTemplate::new(500), None).await,
        Outcome::Retry {
            rate_limited: false,
            ..
        }
    ));
    assert!(matches!(
        edit_answer(base_error("invalid_scope", "スコープが無効です。"), None).await,
        Outcome::Auth(_)
    ));
    let timeout = edit_answer(ok_order().set_delay(Duration::from_secs(3)), None).await;
    assert!(
        matches!(&timeout, Outcome::Retry { error, .. } if error.code.as_deref() == Some("timeout")),
        "{timeout:?}"
    );
}

#[tokio::test]
async fn not_change_status_checks_the_order() {
    let refused = "この注文のステータスは変更できません。";
    assert_eq!(
        edit_answer(
            base_error("not_change_status", refused),
            Some(&[(123, "dispatched"), (124, "ordered")])
        )
        .await,
        Outcome::AlreadyApplied
    );
    assert_eq!(
        edit_answer(
            base_error("not_change_status", refused),
            Some(&[(123, "cancelled")])
        )
        .await,
        Outcome::Rejected(RemoteError::new(
            Some("not_change_status"),
            format!("{refused} (BASE shows item cancelled)")
        ))
    );
}

fn within_boundary(
    before: SystemTime,
    after_call: SystemTime,
    wait: Duration,
    period: u64,
    offset: u64,
) {
    let nanos = |t: SystemTime| (t + wait).duration_since(UNIX_EPOCH).unwrap().as_nanos();
    let period = u128::from(period) * 1_000_000_000;
    let offset = u128::from(offset) * 1_000_000_000;
    let (lo, hi) = (nanos(before) + offset, nanos(after_call) + offset);
    let boundary = hi / period * period;
    assert!(boundary >= lo, "no boundary in [{lo}, {hi}]");
    assert!(wait <= Duration::from_nanos(period as u64));
}

#[tokio::test]
async fn api_limits_wait_for_the_next_hour_or_jst_day() {
    // The next hour; the next midnight in Japan (UTC+9).
    for (code, period, offset) in [
        ("hour_api_limit", 3600, 0),
        ("day_api_limit", 86_400, 9 * 3600),
    ] {
        let before = SystemTime::now();
        let outcome = edit_answer(base_error(code, "上限"), None).await;
        let after_call = SystemTime::now();
        let Outcome::Retry {
            after: Some(wait),
            rate_limited: true,
            error,
        } = outcome
        else {
            panic!("{outcome:?}")
        };
        assert_eq!(error.code.as_deref(), Some(code));
        within_boundary(before, after_call, wait, period, offset);
    }
}
