//! BASE dispatch: one `edit_status` call per item with the comment, items read from the
//! order detail when the link has none, and what is refused before any call.

use super::{
    accept_edits, assert_edit, assert_get, case, config, connector, connector_with, detail,
    detail_path, dispatched, KEY,
};
use crate::channel_fixtures::{memory, Case};
use crate::mocks::{expect_no_requests, form_body, mount, on, requests};
use ordersync::channels::base::BaseConfig;
use ordersync::domain::{Outcome, Status};
use wiremock::MockServer;

#[tokio::test]
async fn dispatch_is_one_call_per_item_with_the_comment() {
    let server = MockServer::start().await;
    accept_edits(&server).await;
    let (base, _) = connector(&server);
    let outcome = case(Status::Dispatched)
        .with_shipment("sagawa", "1234-5678-9012")
        .deliver(&base)
        .await;
    assert_eq!(outcome, Outcome::Done);
    let seen = requests(&server).await;
    assert_eq!(seen.len(), 2);
    let comment = "[配送業者]佐川急便 [送り状番号]1234-5678-9012";
    for (at, (request, item)) in seen.iter().zip(["123", "124"]).enumerate() {
        assert_edit(request, at, "cfg-access", &dispatched(item, comment));
    }
}

#[tokio::test]
async fn a_change_naming_lines_sends_only_theirs() {
    let server = MockServer::start().await;
    accept_edits(&server).await;
    let (base, _) = connector(&server);
    let outcome = case(Status::Dispatched)
        .with_shipment("yamato", "4444")
        .scoped_to(&["L2"])
        .deliver(&base)
        .await;
    assert_eq!(outcome, Outcome::Done);
    let seen = requests(&server).await;
    assert_eq!(seen.len(), 1);
    let comment = "[配送業者]ヤマト運輸 [送り状番号]4444";
    assert_edit(&seen[0], 0, "cfg-access", &dispatched("124", comment));
}

#[tokio::test]
async fn comment_template_is_capped_at_250_characters() {
    let server = MockServer::start().await;
    accept_edits(&server).await;
    let config = BaseConfig {
        comment_template: format!("{}\n{{carrier}}\n{{tracking}}", "お".repeat(240)),
        ..config()
    };
    let (base, _) = connector_with(&server, config, memory());
    let outcome = case(Status::Dispatched)
        .with_shipment("dhl", "JD0123456789")
        .scoped_to(&["L1"])
        .deliver(&base)
        .await;
    assert_eq!(outcome, Outcome::Done);
    let form = form_body(&requests(&server).await[0]);
    let comment = &form.iter().find(|(k, _)| k == "add_comment").unwrap().1;
    assert_eq!(comment.chars().count(), 250);
    assert_eq!(
        *comment,
        format!("{}\nDHL\nJD012", "お".repeat(240)),
        "newlines count"
    );
}

#[tokio::test]
async fn items_come_from_the_detail_when_the_link_has_none() {
    let server = MockServer::start().await;
    let items = detail(&[(123, "dispatched"), (124, "ordered"), (125, "ordered")]);
    mount(&server, on("GET", detail_path(KEY)), items, ..).await;
    accept_edits(&server).await;
    let (base, _) = connector(&server);
    let outcome = Case::new(Status::Dispatched, KEY)
        .with_shipment("sagawa", "1")
        .deliver(&base)
        .await;
    assert_eq!(outcome, Outcome::Done);
    let seen = requests(&server).await;
    assert_eq!(
        seen.len(),
        3,
        "detail, then the two items not yet dispatched"
    );
    assert_get(&seen[0], 0, &detail_path(KEY), "cfg-access");
    let comment = "[配送業者]佐川急便 [送り状番号]1";
    for (at, item) in [(1, "124"), (2, "125")] {
        assert_edit(&seen[at], at, "cfg-access", &dispatched(item, comment));
    }
}

#[tokio::test]
async fn unmapped_lines_are_rejected_before_any_call() {
    let server = MockServer::start().await;
    expect_no_requests(&server).await;
    let (base, _) = connector(&server);
    let lines = |status| {
        Case::new(status, KEY)
            .with_item("L1", Some("123"))
            .with_item("L2", None)
    };
    for case in [
        lines(Status::Dispatched).scoped_to(&["L2"]),
        lines(Status::Canceled),
    ] {
        let outcome = case.deliver(&base).await;
        let Outcome::Rejected(error) = outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(error.code.as_deref(), Some("unmapped_line"));
        assert!(error.message.contains("L2"), "{}", error.message);
    }
}

#[tokio::test]
async fn unsupported_statuses_send_nothing() {
    let server = MockServer::start().await;
    expect_no_requests(&server).await;
    let (base, _) = connector(&server);
    for status in [
        Status::Placed,
        Status::Paid,
        Status::Preparing,
        Status::Delivered,
        Status::Completed,
        Status::Returned,
        Status::Exchanged,
    ] {
        let outcome = case(status).deliver(&base).await;
        assert!(matches!(outcome, Outcome::Unsupported { .. }), "{status}");
    }
}
