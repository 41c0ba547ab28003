//! BASE dispatch: one `edit_status` call per item with the comment, items read from the
//! order detail when the link has none, and what is refused before any call.

use super::*;

#[tokio::test]
async fn dispatch_is_one_call_per_item_with_the_comment() {
    let server = MockServer::start().await;
    mount(&server, "POST", EDIT, ok_order()).await;
    let (base, _) = connector(&server, config(), memory());
    let outcome = Case::new(Status::Dispatched)
        .shipped("sagawa", "1234-5678-9012")
        .deliver(&base)
        .await;
    assert_eq!(outcome, Outcome::Done);
    let seen = requests(&server).await;
    assert_eq!(seen.len(), 2);
    let comment = "[配送業者]佐川急便 [送り状番号]1234-5678-9012";
    for (request, item) in seen.iter().zip(["123", "124"]) {
        assert_edit(
            request,
            "cfg-access",
            &[
                ("order_item_id", item),
                ("status", "dispatched"),
                ("add_comment", comment),
            ],
        );
    }
}

#[tokio::test]
async fn a_change_naming_lines_sends_only_theirs() {
    let server = MockServer::start().await;
    mount(&server, "POST", EDIT, ok_order()).await;
    let (base, _) = connector(&server, config(), memory());
    let outcome = Case::new(Status::Dispatched)
        .shipped("yamato", "4444")
        .named(vec!["L2"])
        .deliver(&base)
        .await;
    assert_eq!(outcome, Outcome::Done);
    let seen = requests(&server).await;
    assert_eq!(seen.len(), 1);
    assert_edit(
        &seen[0],
        "cfg-access",
        &[
            ("order_item_id", "124"),
            ("status", "dispatched"),
            ("add_comment", "[配送業者]ヤマト運輸 [送り状番号]4444"),
        ],
    );
}

#[tokio::test]
async fn comment_template_is_capped_at_250_characters() {
    let server = MockServer::start().await;
    mount(&server, "POST", EDIT, ok_order()).await;
    let mut config = config();
    config.comment_template = format!("{}\n{{carrier}}\n{{tracking}}", "お".repeat(240));
    let (base, _) = connector(&server, config, memory());
    let outcome = Case::new(Status::Dispatched)
        .shipped("dhl", "JD0123456789")
        .named(vec!["L1"])
        .deliver(&base)
        .await;
    assert_eq!(outcome, Outcome::Done);
    let form = form_of(&requests(&server).await[0]);
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
    mount(
        &server,
        "GET",
        &format!("/1/orders/detail/{KEY}"),
        detail(&[(123, "dispatched"), (124, "ordered"), (125, "ordered")]),
    )
    .await;
    mount(&server, "POST", EDIT, ok_order()).await;
    let (base, _) = connector(&server, config(), memory());
    let outcome = Case::new(Status::Dispatched)
        .shipped("sagawa", "1")
        .lines(vec![])
        .deliver(&base)
        .await;
    assert_eq!(outcome, Outcome::Done);
    let seen = requests(&server).await;
    assert_eq!(
        seen.len(),
        3,
        "detail, then the two items not yet dispatched"
    );
    assert_get(&seen[0], &format!("/1/orders/detail/{KEY}"), "cfg-access");
    let comment = "[配送業者]佐川急便 [送り状番号]1";
    assert_edit(
        &seen[1],
        "cfg-access",
        &[
            ("order_item_id", "124"),
            ("status", "dispatched"),
            ("add_comment", comment),
        ],
    );
    assert_edit(
        &seen[2],
        "cfg-access",
        &[
            ("order_item_id", "125"),
            ("status", "dispatched"),
            ("add_comment", comment),
        ],
    );
}

#[tokio::test]
async fn unmapped_lines_are_rejected_before_any_call() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let (base, _) = connector(&server, config(), memory());
    let lines = vec![("L1", Some("123")), ("L2", None)];
    for case in [
        Case::new(Status::Dispatched)
            .lines(lines.clone())
            .named(vec!["L2"]),
        Case::new(Status::Canceled).lines(lines.clone()),
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
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let (base, _) = connector(&server, config(), memory());
    for status in [
        Status::Placed,
        Status::Paid,
        Status::Preparing,
        Status::Delivered,
        Status::Completed,
        Status::Returned,
        Status::Exchanged,
    ] {
        let outcome = Case::new(status).deliver(&base).await;
        assert!(matches!(outcome, Outcome::Unsupported { .. }), "{status}");
    }
}
