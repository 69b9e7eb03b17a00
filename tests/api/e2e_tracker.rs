//! End to end in headless Chromium, the office's side: an inspector finds the case a card's
//! report opened and returns it to triage (退回); the supervisor gives it back; the inspector
//! asks to decline it and the supervisor refuses; the inspector accepts it and asks the
//! reporter a question; the reporter reads it on `/q` on a phone and replies; the inspector
//! concludes and answers in one step (办结并答复); the reporter is not satisfied and objects;
//! the supervisor reopens it (重办) and answers again. The staff pass runs with JavaScript
//! disabled; every step checks what the person sees.

use crate::browser::{Browser, installed};
use crate::support::intake::{CardKind, insert_card};
use crate::support::{TEST_PASSWORD, spawn_app, temp_dir};

#[tokio::test]
async fn an_inspector_works_a_card_report_through_to_a_rating_the_supervisor_sees() {
    if !installed() {
        return;
    }
    let app = spawn_app().await;
    let unit = jianduka::auth::accounts::create_unit(
        &app.state.writes,
        &app.stamp(),
        "第一纪检监察室",
        &["暨阳街道".to_string()],
    )
    .await
    .expect("unit");
    // Enough card holders in the district for an anonymous report to keep it.
    crate::support::intake::add_holders(&app.db, None, "暨阳街道", 12).await;
    let inspector = app
        .add_user("wang.fang", jianduka::access::Role::Inspector)
        .await;
    jianduka::auth::accounts::change_account(
        &app.state.writes,
        &app.stamp(),
        inspector.id,
        jianduka::auth::AccountChange::Unit(Some(unit.id)),
    )
    .await
    .expect("in the unit");
    app.add_user("li.ming", jianduka::access::Role::Supervisor)
        .await;
    let card = insert_card(&app.db, CardKind::Enterprise).await;
    let shots = temp_dir("e2e-tracker");

    // The reporter, on a phone with JavaScript, reports through the card.
    let mut phone = Browser::start(shots.join("phone"), true).await;
    std::fs::create_dir_all(shots.join("phone")).expect("dir");
    phone.go(&format!("{}/r/{}", app.address, card.token)).await;
    phone.wait_for_text("h1", "反映问题").await;
    phone.click("input[name=item][value='3']").await;
    phone
        .type_into(
            "#description",
            "在市场监管窗口办理食品经营许可，材料齐全却被要求跑了三次，每次说法都不一样。",
        )
        .await;
    phone.click("button[type=submit]").await;
    phone.wait_for_text("h1", "已收到您的反映").await;
    let code = phone.text("#query-code").await;
    phone.screenshot("receipt").await;

    // The inspector, at a desk with JavaScript switched off, finds and accepts the case.
    std::fs::create_dir_all(shots.join("desk")).expect("dir");
    let mut desk = Browser::start(shots.join("desk"), false).await;
    desk.width = 1280;
    desk.window(1280, 900).await;
    desk.go(&format!("{}/login", app.address)).await;
    desk.type_into("#username", "wang.fang").await;
    desk.type_into("#password", TEST_PASSWORD).await;
    desk.click("button[type=submit]").await;
    desk.wait_for_text("h1", "您好，wang.fang").await;
    desk.screenshot("home").await;
    desk.go(&format!("{}/staff/cases", app.address)).await;
    desk.wait_for_text("h1", "案件").await;
    let list = desk.source().await;
    let case = crate::support::cases::newest_case(&app).await;
    assert!(
        list.contains(&case.number) && list.contains("待受理") && list.contains("第一纪检监察室")
    );
    desk.screenshot("list").await;
    desk.click(&format!("a[href='/staff/cases/{}']", case.id))
        .await;
    desk.wait_for_text("h1", &case.number).await;
    assert!(desk.source().await.contains("跑了三次"));
    desk.screenshot("case-new").await;

    // 退回: the inspector sends it back to triage with a reason; the list names the case.
    desk.click("#open-return").await;
    desk.type_into(
        "#return-reason",
        "反映的是市场监管窗口，请核实管辖后再分派。",
    )
    .await;
    desk.click("#act-return").await;
    desk.wait_for_text(
        "#returned-notice",
        &format!("案件 {} 已退回待分派。", case.number),
    )
    .await;
    desk.screenshot("returned").await;

    // The supervisor finds it in triage with the reason, and gives it back to the unit's inspector.
    switch_to(&desk, &app.address, "li.ming").await;
    desk.go(&format!("{}/staff/cases?queue=triage", app.address))
        .await;
    desk.wait_for_text("h1", "案件").await;
    let triage = desk.source().await;
    assert!(triage.contains(&case.number) && triage.contains("请核实管辖后再分派"));
    desk.screenshot("triage").await;
    desk.go(&format!("{}/staff/cases/{}", app.address, case.id))
        .await;
    desk.wait_for_text(
        "#triage-reason",
        "待分派原因：wang.fang退回：反映的是市场监管窗口，请核实管辖后再分派。",
    )
    .await;
    desk.click(&format!("#assign-unit option[value='{}']", unit.id))
        .await;
    desk.click(&format!("#assign-person option[value='{}']", inspector.id))
        .await;
    desk.click("#act-assign").await;
    desk.wait_for_text("#case-assignee", "wang.fang").await;

    // 不予受理 by approval: the inspector asks, the supervisor refuses with a note.
    switch_to(&desk, &app.address, "wang.fang").await;
    desk.go(&format!("{}/staff/cases/{}", app.address, case.id))
        .await;
    desk.wait_for_text("h1", &case.number).await;
    assert!(
        !desk.source().await.contains("id=\"act-decline\""),
        "an inspector does not decline directly"
    );
    desk.click("#open-decline-request").await;
    desk.type_into(
        "#decline-request-reason",
        "反映事项不属于营商环境监督范围。",
    )
    .await;
    desk.click("#act-request-decline").await;
    desk.wait_for_text("div[id^='decline-request-'] strong", "不予受理申请待审批")
        .await;
    switch_to(&desk, &app.address, "li.ming").await;
    desk.go(&format!("{}/staff/cases/{}", app.address, case.id))
        .await;
    desk.wait_for_text("div[id^='decline-request-'] strong", "不予受理申请待审批")
        .await;
    assert!(
        desk.source()
            .await
            .contains("反映事项不属于营商环境监督范围。")
    );
    desk.type_into(
        "textarea[id^='decline-note-']",
        "窗口反复退件属于作风问题，应当受理。",
    )
    .await;
    desk.screenshot("decline-request").await;
    desk.click("#act-refuse-decline").await;
    desk.wait_for_text("div[id^='decline-request-'] strong", "不予受理申请未获批准")
        .await;
    switch_to(&desk, &app.address, "wang.fang").await;
    desk.go(&format!("{}/staff/cases/{}", app.address, case.id))
        .await;
    desk.wait_for_text("div[id^='decline-request-'] strong", "不予受理申请未获批准")
        .await;
    assert!(
        desk.source()
            .await
            .contains("窗口反复退件属于作风问题，应当受理。")
    );
    desk.screenshot("decline-refused").await;
    desk.click("#act-accept").await;
    desk.wait_for_text("#case-status", "已受理").await;
    desk.type_into(
        "#message-body",
        "您好，请问是哪一天、哪个窗口？方便的话请补充受理回执。",
    )
    .await;
    desk.click("form[action$='/message'] button[type=submit]")
        .await;
    desk.wait_for_text(".notice.ok", "留言已发送，反映人凭查询码可见。")
        .await;
    desk.screenshot("case-accepted").await;

    // The reporter reads the question with the code and replies.
    phone.go(&format!("{}/q", app.address)).await;
    phone.wait_for_text("h1", "查询办理进度").await;
    phone.type_into("#code", &code).await;
    phone.click("button[type=submit]").await;
    phone.wait_for_text("h1", "办理进度").await;
    let page = phone.source().await;
    assert!(page.contains("已受理") && page.contains("请问是哪一天、哪个窗口"));
    phone.screenshot("question").await;
    phone
        .type_into(
            "form[action^='/q/reply'] textarea",
            "是 11 月 20 日上午，2 号窗口。",
        )
        .await;
    phone
        .click("form[action^='/q/reply'] button[type=submit]")
        .await;
    phone.wait_for_text(".notice", "回复已发送。").await;

    // The inspector sees the reply, concludes and closes.
    desk.go(&format!("{}/staff/cases/{}", app.address, case.id))
        .await;
    desk.wait_for_text("h1", &case.number).await;
    assert!(
        desk.source()
            .await
            .contains("是 11 月 20 日上午，2 号窗口。")
    );
    desk.click("#open-conclude").await;
    desk.click("input[name=finding][value=partly_substantiated]")
        .await;
    desk.type_into(
        "#conclude-summary",
        "调阅窗口记录，确有多次退件，已约谈窗口负责人。",
    )
    .await;
    desk.type_into(
        "#conclude-feedback",
        "经核查，您反映的问题部分属实，已责令该窗口一次性告知所需材料。",
    )
    .await;
    // 办结并答复: one step, and the reporter reads the answer at once.
    desk.click("#act-conclude").await;
    // Publishing the answer cannot be undone: the page names the consequence and asks once more.
    desk.wait_for_text("#confirm-title", "确认办结并答复").await;
    assert!(
        desk.text("#confirm-consequence")
            .await
            .contains("反映人凭查询码将立即看到答复")
    );
    desk.screenshot("confirm-reply").await;
    desk.click("#confirm-yes").await;
    desk.wait_for_text("#case-status", "已办结并答复").await;
    desk.screenshot("case-closed").await;

    // The reporter reads the feedback and is not satisfied.
    phone.go(&format!("{}/q", app.address)).await;
    phone.wait_for_text("h1", "查询办理进度").await;
    phone.type_into("#code", &code).await;
    phone.click("button[type=submit]").await;
    phone.wait_for_text("h1", "办理进度").await;
    assert!(
        phone
            .source()
            .await
            .contains("已责令该窗口一次性告知所需材料")
    );
    phone.click("input[name=rating][value=not_satisfied]").await;
    phone
        .type_into("#comment", "只是告知，没有处理相关人员。")
        .await;
    phone
        .click("form[action^='/q/rate'] button[type=submit]")
        .await;
    phone.wait_for_text(".notice", "感谢您的评价。").await;
    phone.screenshot("rated").await;

    // The supervisor sees the flag on the case list and on the case.
    switch_to(&desk, &app.address, "li.ming").await;
    desk.go(&format!("{}/staff/cases?flagged=1", app.address))
        .await;
    desk.wait_for_text("h1", "案件").await;
    let flagged = desk.source().await;
    assert!(flagged.contains(&case.number) && flagged.contains("待领导关注"));
    desk.screenshot("supervisor-flagged").await;
    desk.click(&format!("a[href='/staff/cases/{}']", case.id))
        .await;
    desk.wait_for_text("#case-flag", "反映人不满意，待领导关注")
        .await;
    assert!(desk.source().await.contains("只是告知，没有处理相关人员。"));
    desk.screenshot("supervisor-case").await;

    // The reporter objects once (申诉); the page says when to expect an answer.
    phone.go(&format!("{}/q", app.address)).await;
    phone.type_into("#code", &code).await;
    phone.click("button[type=submit]").await;
    phone.wait_for_text("h1", "办理进度").await;
    phone
        .type_into("#objection-body", "窗口仍要求重复提交材料，问题没有解决。")
        .await;
    phone
        .click("form[action^='/q/object'] button[type=submit]")
        .await;
    phone
        .wait_for_text(".notice", "您的异议已收到，我们会尽快审查并答复。")
        .await;
    assert!(phone.text("#expected").await.ends_with("前答复您的异议"));
    phone.screenshot("objected").await;

    // The supervisor reopens it (重办) with a reason the reporter reads, then answers again.
    desk.go(&format!("{}/staff/cases/{}", app.address, case.id))
        .await;
    desk.wait_for_text("#case-status", "已办结并答复").await;
    assert!(desk.source().await.contains("窗口仍要求重复提交材料"));
    desk.click("#open-reopen").await;
    desk.type_into("#reopen-reason", "根据您的异议，重新核查窗口办件记录。")
        .await;
    desk.click("#act-reopen").await;
    desk.wait_for_text("#confirm-title", "确认重新调查").await;
    desk.click("#confirm-yes").await;
    desk.wait_for_text("#case-status", "调查中").await;
    desk.click("#open-conclude").await;
    desk.click("input[name=finding][value=substantiated]").await;
    desk.type_into("#conclude-summary", "重新调取记录，确认三次退件。")
        .await;
    desk.type_into(
        "#conclude-feedback",
        "经重新核查，问题属实，已对窗口负责人批评教育。",
    )
    .await;
    desk.click("#act-conclude").await;
    desk.wait_for_text("#confirm-title", "确认办结并答复").await;
    desk.click("#confirm-yes").await;
    desk.wait_for_text("#case-status", "已办结并答复").await;
    desk.screenshot("supervisor-redone").await;
    phone.go(&format!("{}/q", app.address)).await;
    phone.type_into("#code", &code).await;
    phone.click("button[type=submit]").await;
    phone.wait_for_text("h1", "办理进度").await;
    let story = phone.source().await;
    assert!(story.contains("重新调查") && story.contains("根据您的异议，重新核查窗口办件记录。"));
    assert!(story.contains("经重新核查，问题属实，已对窗口负责人批评教育。"));
    phone.screenshot("redone").await;
    desk.quit().await;
    phone.quit().await;
    eprintln!("e2e screenshots: {}", shots.display());
}

/// Logs the desk browser out and in again as `username`.
async fn switch_to(desk: &Browser, address: &str, username: &str) {
    // A logged-in browser is sent on from the login page; log out first.
    desk.go(&format!("{address}/staff")).await;
    desk.click(".who form button[type=submit]").await;
    desk.wait_for_text("h1", "工作人员登录").await;
    desk.type_into("#username", username).await;
    desk.type_into("#password", TEST_PASSWORD).await;
    desk.click("button[type=submit]").await;
    desk.wait_for_text("h1", &format!("您好，{username}")).await;
}
