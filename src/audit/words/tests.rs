//! Every action, detail key and subject has words in both languages, and rows read as
//! sentences without codes, ids or JSON.

use std::collections::HashSet;

use super::details::{KEYS, label_key};
use super::*;

const LANGS: [Lang; 2] = [Lang::Zh, Lang::En];

fn locales() -> &'static Locales {
    Locales::embedded().expect("the locales parse")
}

fn row(action: &str, actor_label: &str, subject: (&str, &str), detail: &str) -> audit_log::Model {
    let actor_id = actor_label
        .strip_prefix("user:")
        .and_then(|id| id.parse().ok());
    audit_log::Model {
        id: 7,
        at: chrono::DateTime::from_timestamp(1_796_000_000, 0).expect("a time"),
        actor_id,
        actor_label: actor_label.into(),
        action: action.into(),
        subject_type: subject.0.into(),
        subject_id: Some(subject.1.into()).filter(|s: &String| !s.is_empty()),
        detail: detail.into(),
        prev_hash: String::new(),
        hash: String::new(),
    }
}

fn names() -> Names {
    let mut names = Names::default();
    let person = |name: &str, login: &str| Person {
        display_name: name.into(),
        username: login.into(),
    };
    names.people.insert(4, person("张三", "zhangsan"));
    names.people.insert(5, person("lisi", "lisi"));
    names.units.insert(2, "城东科".into());
    names.cases.insert(1, "JD2026-000001".into());
    names
}

fn say(action: &str, actor: &str, subject: (&str, &str), detail: &str, lang: Lang) -> Described {
    describe(
        &row(action, actor, subject, detail),
        &names(),
        locales(),
        lang,
    )
}

#[test]
fn every_action_has_a_label_of_its_own_in_both_languages() {
    for lang in LANGS {
        let texts = locales().texts(lang);
        let mut labels = HashSet::new();
        for action in AuditAction::ALL {
            let key = action_key(*action);
            let label = texts.get(&key);
            assert!(
                label.is_some_and(|l| !l.trim().is_empty()),
                "{} has no label in {}: add {key} to locales/*/audit.toml",
                action.as_str(),
                lang.tag()
            );
            labels.extend(label);
        }
        assert_eq!(
            labels.len(),
            AuditAction::ALL.len(),
            "two actions share a label in {}",
            lang.tag()
        );
    }
}

#[test]
fn every_detail_key_subject_and_system_actor_has_words_in_both_languages() {
    let subjects = [
        "user",
        "unit",
        "card",
        "card_batch",
        "api_token",
        "calendar",
        "case_list",
        "email_outbox",
        "enterprise_register",
        "service_point",
        "setting",
        "sla_policy",
        "statistics",
        "audit_log",
    ];
    for lang in LANGS {
        let texts = locales().texts(lang);
        let missing: Vec<String> = KEYS
            .iter()
            .map(|(key, _)| label_key(key))
            .chain(subjects.iter().map(|s| format!("auditlog_subject_{s}")))
            .chain(
                SYSTEM_ACTORS
                    .iter()
                    .map(|s| format!("auditlog_actor_system_{}", s.replace('-', "_"))),
            )
            .filter(|key| !texts.contains_key(key))
            .collect();
        assert!(missing.is_empty(), "missing in {}: {missing:?}", lang.tag());
    }
}

#[test]
fn a_conclusion_reads_as_a_sentence_in_both_languages() {
    let detail = r#"{"from":"investigating","to":"concluded","finding":"substantiated"}"#;
    let zh = say("case_concluded", "user:4", ("case", "1"), detail, Lang::Zh);
    assert_eq!(zh.actor, "张三（zhangsan）");
    assert_eq!(zh.action, "办结案件");
    assert_eq!(zh.case_number.as_deref(), Some("JD2026-000001"));
    assert_eq!(zh.case_id, Some(1));
    assert_eq!(zh.details, "状态：调查中 → 办结审核中；认定：属实");
    assert_eq!(zh.subject, "");
    // 1_796_000_000 is 2026-11-30 00:53:20 UTC, 08:53:20 in Beijing.
    assert_eq!(zh.when, "2026-11-30 08:53:20");
    let en = say("case_concluded", "user:4", ("case", "1"), detail, Lang::En);
    assert_eq!(en.action, "Concluded a case");
    assert_eq!(en.actor, "张三 (zhangsan)");
    assert_eq!(
        en.details,
        "Status: Under investigation → Concluded, answer under review; Finding: Substantiated"
    );
}

#[test]
fn a_reopening_gives_its_reason_and_an_assignment_names_people_and_units() {
    let detail = r#"{"from":"closed","to":"investigating","reason":"反映人补充了材料"}"#;
    let zh = say("case_reopened", "user:5", ("case", "1"), detail, Lang::Zh);
    assert_eq!(zh.actor, "lisi");
    assert_eq!(
        zh.details,
        "状态：已办结并答复 → 调查中；理由：反映人补充了材料"
    );
    let assigned = say(
        "case_assigned",
        "user:4",
        ("case", "1"),
        r#"{"assignee":4}"#,
        Lang::Zh,
    );
    assert_eq!(assigned.details, "承办人：张三（zhangsan）");
    let unassigned = say(
        "case_assigned",
        "user:4",
        ("case", "1"),
        r#"{"assignee":null}"#,
        Lang::En,
    );
    assert_eq!(unassigned.details, "Assignee: none");
    let unit = say(
        "case_assigned",
        "user:4",
        ("case", "1"),
        r#"{"unit":2}"#,
        Lang::Zh,
    );
    assert_eq!(unit.details, "科室：城东科");
    let gone = say(
        "case_assigned",
        "user:4",
        ("case", "9"),
        r#"{"assignee":99}"#,
        Lang::Zh,
    );
    assert_eq!(gone.details, "承办人：账号 #99（已不存在）");
    assert_eq!(gone.case_number.as_deref(), Some("案件 #9（已不存在）"));
}

#[test]
fn an_unknown_key_reads_as_key_and_value_never_as_json() {
    let detail = r#"{"colour":"red","nested":{"a_b":1},"list":[1,"x"],"files":2}"#;
    for lang in LANGS {
        let said = say("note_added", "user:4", ("case", "1"), detail, lang);
        for c in ['{', '}', '[', ']', '"'] {
            assert!(!said.details.contains(c), "{c} in {}", said.details);
        }
        assert!(said.details.contains("colour"), "{}", said.details);
    }
    let zh = say("note_added", "user:4", ("case", "1"), detail, Lang::Zh);
    assert_eq!(
        zh.details,
        "附件数：2；colour：red；list：1、x；nested：a b：1"
    );
    let unknown = say("made_up_action", "user:4", ("thing", "3"), "{}", Lang::En);
    assert_eq!(unknown.action, "made up action");
    assert_eq!(unknown.subject, "thing: #3");
}

#[test]
fn the_reporter_the_system_and_subjects_are_named_not_coded() {
    let zh = |actor: &str| say("login", actor, ("user", "5"), "{}", Lang::Zh);
    assert_eq!(zh("reporter").actor, "反映人");
    assert_eq!(zh("system:cli").actor, "命令行");
    assert_eq!(zh("system:first-run").actor, "首次启动");
    assert_eq!(zh("system:test").actor, "系统（test）");
    assert_eq!(zh("system:cli").subject, "账号：lisi");
    assert_eq!(zh("user:77").actor, "账号 #77（已不存在）");
    let setting = say(
        "setting_changed",
        "user:4",
        ("setting", "totp_required_roles"),
        r#"{"roles":"admin,supervisor"}"#,
        Lang::Zh,
    );
    assert_eq!(setting.subject, "设置：须两步验证的角色");
    assert_eq!(setting.details, "角色：系统管理员、分管领导");
    let card = say(
        "card_revoked",
        "user:4",
        ("card", "12"),
        r#"{"serial":"ZJ-000012","reason":"丢失"}"#,
        Lang::En,
    );
    assert_eq!(card.subject, "Card: ZJ-000012");
    assert_eq!(card.details, "Reason: 丢失; Card number: ZJ-000012");
}

#[test]
fn counts_days_decisions_and_exports_read_as_words() {
    let decided = r#"{"extension":3,"approved":true,"due_on":"2026-12-20"}"#;
    let zh = say(
        "extension_decided",
        "user:4",
        ("case", "1"),
        decided,
        Lang::Zh,
    );
    assert_eq!(zh.details, "延期申请 #3；决定：批准；新期限：2026-12-20");
    let asked = say(
        "extension_requested",
        "user:4",
        ("case", "1"),
        r#"{"extension":3,"days":5}"#,
        Lang::En,
    );
    assert_eq!(
        asked.details,
        "Extension request #3; Extension: 5 working days"
    );
    let failed = say(
        "login_failed",
        "system:login",
        ("user", ""),
        r#"{"unknown_user":true}"#,
        Lang::Zh,
    );
    assert_eq!(failed.details, "用户名不存在");
    let locked = say(
        "login_failed",
        "system:login",
        ("user", "5"),
        r#"{"failures":5,"locked":false}"#,
        Lang::Zh,
    );
    assert_eq!(locked.details, "连续失败次数：5");
    let issued = say(
        "cards_issued",
        "user:4",
        ("card_batch", "2"),
        r#"{"count":120,"skipped":0,"scope":"district:枫桥镇"}"#,
        Lang::Zh,
    );
    assert_eq!(issued.subject, "发卡批次：#2");
    assert_eq!(issued.details, "范围：镇街：枫桥镇；发卡数：120；跳过：0");
    let exported = say(
        "audit_exported",
        "user:4",
        ("audit_log", "csv"),
        r#"{"rows":3,"filter_actor":"4","filter_action":"case_viewed","filter_from":"2026-12-01"}"#,
        Lang::Zh,
    );
    assert_eq!(
        exported.details,
        "行数：3；筛选操作人：张三（zhangsan）；筛选操作：查看案件；起始日期：2026-12-01"
    );
    let stats = say(
        "statistics_exported",
        "user:4",
        ("statistics", "items.csv"),
        r#"{"period":"from=2026-01&to=2026-03"}"#,
        Lang::En,
    );
    assert_eq!(stats.details, "Period: 2026-01 to 2026-03");
    let policy = say(
        "sla_policy_added",
        "user:4",
        ("sla_policy", "2"),
        r#"{"accept":3,"effective_from":"2026-12-31T16:00:00+00:00"}"#,
        Lang::Zh,
    );
    assert_eq!(
        policy.details,
        "受理期限：3 个工作日；生效时间：2027-01-01 00:00"
    );
}
