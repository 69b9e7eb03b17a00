use super::*;
use std::collections::HashMap;
use std::path::Path;

fn load_with(vars: &[(&str, &str)], dir: &Path) -> Result<Settings, SettingError> {
    let overrides = Overrides {
        data_dir: Some(dir.to_path_buf()),
        ..Default::default()
    };
    load_overridden(vars, &overrides)
}

fn load_overridden(vars: &[(&str, &str)], overrides: &Overrides) -> Result<Settings, SettingError> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    load_from(overrides, |k| map.get(k).cloned())
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("jd-config-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A data dir holding `jianduka.toml` with `toml`.
fn dir_with_file(name: &str, toml: &str) -> PathBuf {
    let dir = temp_dir(name);
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("jianduka.toml"), toml).expect("write toml");
    dir
}

#[test]
fn defaults_give_sqlite_in_the_data_dir_and_a_base_url_from_the_bind_address() {
    let dir = temp_dir("defaults");
    let s = load_with(&[], &dir).expect("defaults load");
    assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
    assert_eq!(s.database_kind(), DatabaseKind::Sqlite);
    assert_eq!(s.base_url(), "http://127.0.0.1:8080");
    assert!(dir.join("secret.key").exists());
    assert_eq!(s.intake_client_limit, 10);
    assert_eq!(s.intake_card_limit, 60);
    assert_eq!(s.client_ip_header, None);
}

#[test]
fn the_generated_key_is_kept_private_and_reused() {
    let dir = temp_dir("key");
    let first = load_with(&[], &dir).expect("load").secret_key;
    let second = load_with(&[], &dir).expect("load").secret_key;
    assert_eq!(first, second);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("secret.key"))
            .expect("key file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn environment_overrides_the_file_which_overrides_defaults() {
    let dir = dir_with_file(
        "layers",
        "hotline = \"0575-1234\"\norg_name = \"诸暨市纪委监委\"\n",
    );
    let s = load_with(&[("JIANDUKA_HOTLINE", "12388-1")], &dir).expect("load");
    assert_eq!(s.hotline, "12388-1");
    assert_eq!(s.org_name, "诸暨市纪委监委");
}

#[test]
fn the_command_line_overrides_the_environment_and_moves_the_base_url_with_it() {
    let overrides = Overrides {
        data_dir: Some(temp_dir("cli")),
        bind: Some("127.0.0.1:9999".into()),
        ..Default::default()
    };
    let s = load_overridden(&[("JIANDUKA_BIND", "127.0.0.1:8081")], &overrides).expect("load");
    assert_eq!(s.bind.port(), 9999);
    assert_eq!(s.base_url(), "http://127.0.0.1:9999");
}

#[test]
fn an_explicitly_named_config_file_must_exist() {
    let overrides = Overrides {
        config_file: Some(temp_dir("missing").join("jianduka.toml")),
        data_dir: Some(temp_dir("missing-data")),
        ..Default::default()
    };
    let err = load_overridden(&[], &overrides).unwrap_err();
    assert_eq!(err.setting, "JIANDUKA_CONFIG");
}

#[test]
fn a_bad_database_url_names_the_setting() {
    let dir = temp_dir("badurl");
    let err = load_with(&[("JIANDUKA_DATABASE_URL", "not a url")], &dir).unwrap_err();
    assert_eq!(err.setting, "JIANDUKA_DATABASE_URL");
    let err = load_with(&[("JIANDUKA_DATABASE_URL", "mysql://x/y")], &dir).unwrap_err();
    assert!(err.to_string().contains("unsupported scheme"));
}

#[test]
fn describe_masks_every_secret() {
    let dir = temp_dir("mask");
    let s = load_with(
        &[
            ("JIANDUKA_DATABASE_URL", "postgres://jd:hunter2@db/jd"),
            ("JIANDUKA_SMTP_URL", "smtp://mail:pa55word@mx:25"),
            ("JIANDUKA_MAIL_FROM", "noreply@example.gov.cn"),
            (
                "JIANDUKA_SECRET_KEY",
                "0123456789abcdef0123456789abcdef-topsecret",
            ),
        ],
        &dir,
    )
    .expect("load");
    let text = s.describe();
    assert!(!text.contains("hunter2"));
    assert!(!text.contains("pa55word"));
    assert!(!text.contains("topsecret"));
    assert!(text.contains("postgres://jd:****@db/jd"));
}

#[test]
fn describe_masks_a_postgresql_password_given_as_a_query_parameter() {
    let dir = temp_dir("mask-query");
    let s = load_with(
        &[(
            "JIANDUKA_DATABASE_URL",
            "postgres://jd@db/jd?sslmode=require&password=hunter2&sslpassword=k3y",
        )],
        &dir,
    )
    .expect("load");
    let text = s.describe();
    assert!(!text.contains("hunter2") && !text.contains("k3y"), "{text}");
    assert!(
        text.contains("postgres://jd@db/jd?sslmode=require&password=****&sslpassword=****"),
        "{text}"
    );
}

#[test]
fn describe_lists_every_setting_and_debug_shows_no_secret() {
    let dir = temp_dir("every");
    let s = load_with(
        &[
            ("JIANDUKA_DATABASE_URL", "postgres://jd:hunter2@db/jd"),
            ("JIANDUKA_SMTP_URL", "smtps://mail:pa55word@mx:465"),
            ("JIANDUKA_MAIL_FROM", "监督卡 <noreply@example.gov.cn>"),
            (
                "JIANDUKA_SECRET_KEY",
                "0123456789abcdef0123456789abcdef-topsecret",
            ),
            ("JIANDUKA_CLIENT_IP_HEADER", "X-Real-IP"),
        ],
        &dir,
    )
    .expect("load");
    let text = s.describe();
    let names = layers::field_names::<Settings>();
    assert!(names.contains(&"session_hours") && names.len() >= 16);
    assert_eq!(text.lines().count(), names.len(), "one line per setting");
    for name in names {
        assert!(
            text.lines()
                .any(|line| line.starts_with(&format!("{name} = "))),
            "describe() misses {name}:\n{text}"
        );
    }
    assert!(text.contains("smtps://mail:****@mx:465"));
    assert!(
        text.lines()
            .any(|l| l.starts_with("secret_key") && l.ends_with("= ****"))
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("card_font") && l.ends_with("(not set)"))
    );
    let debug = format!("{s:?}");
    for secret in ["hunter2", "pa55word", "topsecret"] {
        assert!(!debug.contains(secret), "Debug shows {secret}");
    }
}

#[test]
fn an_unknown_key_in_the_file_is_refused() {
    let dir = dir_with_file("unknown", "bnd = \"x\"\n");
    let err = load_with(&[], &dir).unwrap_err();
    assert_eq!(err.setting, "JIANDUKA_CONFIG");
    assert!(err.message.contains("'bnd'"), "{err}");
}

#[test]
fn an_unknown_jianduka_variable_is_ignored() {
    let dir = temp_dir("unknown-env");
    let s = load_with(
        &[
            ("JIANDUKA_TEST_DATABASE_URL", "postgres://x@y/z"),
            ("JIANDUKA_NO_SUCH_SETTING", "whatever"),
        ],
        &dir,
    )
    .expect("unknown variables do not stop the load");
    assert_eq!(s.database_kind(), DatabaseKind::Sqlite);
}

#[test]
fn a_limit_from_the_environment_is_parsed_from_its_text() {
    let dir = temp_dir("env-number");
    let s = load_with(
        &[
            ("JIANDUKA_INTAKE_CLIENT_LIMIT", " 25 "),
            ("JIANDUKA_INTAKE_CARD_LIMIT", "100"),
        ],
        &dir,
    )
    .expect("load");
    assert_eq!((s.intake_client_limit, s.intake_card_limit), (25, 100));
}

#[test]
fn a_limit_that_is_not_a_positive_number_is_refused_naming_its_variable() {
    let dir = temp_dir("env-nan");
    let err = load_with(&[("JIANDUKA_INTAKE_CLIENT_LIMIT", "abc")], &dir).unwrap_err();
    assert_eq!(
        err.to_string(),
        "JIANDUKA_INTAKE_CLIENT_LIMIT: 'abc' is not a positive whole number"
    );
    let err = load_with(&[("JIANDUKA_INTAKE_CARD_LIMIT", "0")], &dir).unwrap_err();
    assert_eq!(err.setting, "JIANDUKA_INTAKE_CARD_LIMIT");
}

#[test]
fn a_limit_in_the_file_may_be_a_toml_number_or_a_toml_string() {
    let dir = dir_with_file(
        "toml-number",
        "intake_client_limit = 5\nintake_card_limit = \"7\"\n",
    );
    let s = load_with(&[], &dir).expect("load");
    assert_eq!((s.intake_client_limit, s.intake_card_limit), (5, 7));
}

#[test]
fn a_bad_value_in_the_file_names_its_variable_and_the_file() {
    let dir = dir_with_file("toml-bad", "intake_card_limit = 0\n");
    let err = load_with(&[], &dir).unwrap_err();
    assert_eq!(err.setting, "JIANDUKA_INTAKE_CARD_LIMIT");
    assert!(err.message.contains("jianduka.toml"), "{err}");
}

#[test]
fn a_text_setting_that_looks_like_a_number_stays_text() {
    let dir = temp_dir("hotline");
    let s = load_with(&[("JIANDUKA_HOTLINE", "012388")], &dir).expect("load");
    assert_eq!(s.hotline, "012388");
}

#[test]
fn numbers_and_booleans_parse_from_environment_text() {
    #[derive(serde::Deserialize)]
    struct Sample {
        enabled: bool,
        count: u8,
        label: String,
    }
    let env: HashMap<&str, &str> = [
        ("JIANDUKA_ENABLED", "true"),
        ("JIANDUKA_COUNT", "10"),
        ("JIANDUKA_LABEL", "12388"),
    ]
    .into();
    let mut layers = layers::Layers::new(layers::field_names::<Sample>());
    layers.read_env(|k| env.get(k).map(|v| v.to_string()));
    let sample: Sample = layers.deserialize().expect("text parses");
    assert!(sample.enabled);
    assert_eq!(sample.count, 10);
    assert_eq!(sample.label, "12388");

    let mut layers = layers::Layers::new(layers::field_names::<Sample>());
    layers.read_env(|k| (k == "JIANDUKA_ENABLED").then(|| "yes".to_string()));
    let err = layers.deserialize::<Sample>().err().expect("refused");
    assert_eq!(
        err.to_string(),
        "JIANDUKA_ENABLED: 'yes' is not true or false"
    );
}

#[test]
fn an_empty_environment_value_counts_as_unset() {
    let dir = temp_dir("blank");
    let s = load_with(
        &[
            ("JIANDUKA_HOTLINE", "  "),
            ("JIANDUKA_INTAKE_CLIENT_LIMIT", ""),
        ],
        &dir,
    )
    .expect("load");
    assert_eq!(s.hotline, "12388");
    assert_eq!(s.intake_client_limit, 10);
}

#[test]
fn a_base_url_with_a_query_or_fragment_or_another_scheme_is_refused() {
    let dir = temp_dir("base");
    for bad in [
        "https://jb.example.gov.cn/?x=1",
        "https://jb.example.gov.cn/#f",
        "ftp://jb.example.gov.cn",
    ] {
        let err = load_with(&[("JIANDUKA_PUBLIC_BASE_URL", bad)], &dir).unwrap_err();
        assert_eq!(err.setting, "JIANDUKA_PUBLIC_BASE_URL", "{bad}");
    }
    let s = load_with(
        &[("JIANDUKA_PUBLIC_BASE_URL", "https://jb.example.gov.cn/jd/")],
        &dir,
    )
    .expect("a path prefix behind a proxy is fine");
    assert_eq!(s.base_url(), "https://jb.example.gov.cn/jd");
}

#[test]
fn an_unparsable_log_filter_is_refused() {
    let dir = temp_dir("log");
    let err = load_with(&[("JIANDUKA_LOG", "jianduka=loud")], &dir).unwrap_err();
    assert_eq!(err.setting, "JIANDUKA_LOG");
    let s = load_with(&[("JIANDUKA_LOG", "warn,jianduka=debug")], &dir).expect("load");
    assert_eq!(s.log, "warn,jianduka=debug");
}

#[test]
fn an_invalid_client_ip_header_is_refused() {
    let dir = temp_dir("header");
    let err = load_with(&[("JIANDUKA_CLIENT_IP_HEADER", "X Real IP")], &dir).unwrap_err();
    assert_eq!(err.setting, "JIANDUKA_CLIENT_IP_HEADER");
    let s = load_with(&[("JIANDUKA_CLIENT_IP_HEADER", "X-Real-IP")], &dir).expect("load");
    assert_eq!(s.client_ip_header.as_deref(), Some("X-Real-IP"));
}

#[test]
fn a_short_secret_key_and_a_non_smtp_mail_url_are_refused() {
    let dir = temp_dir("short");
    let err = load_with(&[("JIANDUKA_SECRET_KEY", "too-short")], &dir).unwrap_err();
    assert_eq!(err.setting, "JIANDUKA_SECRET_KEY");
    assert!(!err.to_string().contains("too-short"));
    let err = load_with(&[("JIANDUKA_SMTP_URL", "http://mail:pw@mx")], &dir).unwrap_err();
    assert_eq!(err.setting, "JIANDUKA_SMTP_URL");
}

#[test]
fn a_broken_config_file_is_reported_on_one_line() {
    let dir = dir_with_file("broken", "hotline = \"unterminated\n");
    let err = load_with(&[], &dir).unwrap_err();
    assert_eq!(err.setting, "JIANDUKA_CONFIG");
    assert_eq!(err.to_string().lines().count(), 1, "{err}");
}

#[test]
fn print_assets_default_to_the_built_in_ones_wherever_the_program_runs() {
    // Tests run in the crate root, which holds print-assets/: it is not picked up by accident.
    let s = load_with(&[], &temp_dir("assets")).expect("load");
    assert_eq!(s.print_assets, None);
    let s = load_with(
        &[("JIANDUKA_PRINT_ASSETS", "/srv/office-assets")],
        &temp_dir("assets"),
    )
    .expect("load");
    assert_eq!(s.print_assets, Some(PathBuf::from("/srv/office-assets")));
}

#[test]
fn mail_settings_follow_lettre_url_conventions_and_need_a_sender() {
    let dir = temp_dir("mail");
    let with = |url: &str| {
        load_with(
            &[
                ("JIANDUKA_SMTP_URL", url),
                ("JIANDUKA_MAIL_FROM", "监督卡 <noreply@example.gov.cn>"),
            ],
            &dir,
        )
    };
    for good in [
        "smtp://127.0.0.1:2525",
        "smtp://u:p@mx.example.gov.cn:587?tls=required",
        "smtp://mx.example.gov.cn?tls=opportunistic",
        "smtps://u:p@mx.example.gov.cn",
    ] {
        assert!(with(good).is_ok(), "{good}");
    }
    for bad in [
        "smtp://mx?tls=always",
        "smtps://mx?tls=required",
        "smtp:///nohost",
    ] {
        let err = with(bad).expect_err(bad);
        assert_eq!(err.setting, "JIANDUKA_SMTP_URL", "{bad}");
    }
    let err = load_with(&[("JIANDUKA_SMTP_URL", "smtp://mx:25")], &dir).unwrap_err();
    assert_eq!(err.setting, "JIANDUKA_MAIL_FROM");
    let err = load_with(&[("JIANDUKA_MAIL_FROM", "not an address")], &dir).unwrap_err();
    assert_eq!(err.setting, "JIANDUKA_MAIL_FROM");
    let s = load_with(&[], &dir).expect("defaults");
    assert_eq!(
        (s.mail_interval_seconds, s.mail_batch, s.mail_max_attempts),
        (30, 50, 8)
    );
    assert_eq!(s.mail_from, None);
}

#[test]
fn english_pages_name_the_issuer_in_english_when_told_how() {
    let dir = temp_dir("org-en");
    let s = load_with(&[], &dir).expect("load");
    assert_eq!(s.org_name_in_english(), DEFAULT_ORG_NAME_EN);
    let s = load_with(&[("JIANDUKA_ORG_NAME", "诸暨市纪委监委")], &dir).expect("load");
    assert_eq!(s.org_name_in_english(), "诸暨市纪委监委");
    let s = load_with(
        &[
            ("JIANDUKA_ORG_NAME", "诸暨市纪委监委"),
            (
                "JIANDUKA_ORG_NAME_EN",
                "Zhuji Commission for Discipline Inspection and Supervision",
            ),
        ],
        &dir,
    )
    .expect("load");
    assert_eq!(
        s.org_name_in_english(),
        "Zhuji Commission for Discipline Inspection and Supervision"
    );
}

#[test]
fn links_in_mail_use_the_staff_address_when_set_and_the_public_one_otherwise() {
    let dir = temp_dir("staff-url");
    let public = load_with(
        &[("JIANDUKA_PUBLIC_BASE_URL", "https://jb.example.gov.cn/")],
        &dir,
    )
    .expect("load");
    assert_eq!(public.staff_base_url(), "https://jb.example.gov.cn");
    let staff = load_with(
        &[
            ("JIANDUKA_PUBLIC_BASE_URL", "https://jb.example.gov.cn"),
            ("JIANDUKA_STAFF_BASE_URL", "http://10.1.2.3:8080/jd/"),
        ],
        &dir,
    )
    .expect("load");
    assert_eq!(staff.staff_base_url(), "http://10.1.2.3:8080/jd");
    assert!(
        staff
            .describe()
            .contains("staff_base_url = http://10.1.2.3:8080/jd")
    );
    let bad = load_with(&[("JIANDUKA_STAFF_BASE_URL", "ftp://x")], &dir).expect_err("refused");
    assert!(bad.to_string().contains("JIANDUKA_STAFF_BASE_URL"), "{bad}");
}
