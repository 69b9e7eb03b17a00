//! The shipped templates load and a template's rules are enforced.

use super::*;

fn shipped() -> HashMap<String, Template> {
    load_all(&PrintAssets::shipped()).expect("shipped templates load")
}

#[test]
fn the_shipped_templates_are_valid_and_id1_puts_ten_cards_on_a4() {
    let all = shipped();
    let id1 = &all["id1"];
    assert_eq!((id1.card.width, id1.card.height), (85.6, 54.0));
    assert_eq!(id1.sheet.columns * id1.sheet.rows, 10);
    assert!(all.contains_key("desk-sign"));
}

#[test]
fn type_below_six_points_is_refused() {
    let text = r#"
        sheet = { width = 210, height = 297, columns = 1, rows = 1 }
        card = { width = 85.6, height = 54 }
        [[back]]
        type = "qr"
        box = [0, 0, 40, 40]
        [[back]]
        type = "text"
        box = [40, 0, 40, 10]
        text = "tiny"
        size = 5
    "#;
    let err = format!("{:#}", parse("t", text).expect_err("5 pt is refused"));
    assert!(err.contains("at least 6 pt"), "{err}");
}
