//! Tests of the in-memory abuse limits.

use super::*;

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap_or_default()
}

#[test]
fn wrong_codes_are_first_tolerated_then_made_to_wait_then_refused() {
    let limits = Limits::default();
    for i in 0..=SLOW_AFTER {
        assert_eq!(limits.code_attempt("c", at(i64::from(i))), CodeGate::Open);
    }
    // Four wrong: the fifth right away must wait, and half a second later may try.
    assert!(matches!(limits.code_attempt("c", at(3)), CodeGate::Wait(_)));
    let mut now = 4;
    let mut tried = SLOW_AFTER + 1;
    while tried < REFUSE_AFTER {
        now += 10;
        assert_eq!(limits.code_attempt("c", at(now)), CodeGate::Open);
        tried += 1;
    }
    assert_eq!(limits.code_attempt("c", at(now + 10)), CodeGate::Refused);
    assert_eq!(limits.code_attempt("someone-else", at(now)), CodeGate::Open);
    // Forgiven after a quiet quarter of an hour.
    assert_eq!(limits.code_attempt("c", at(now + 15 * 60)), CodeGate::Open);
}

#[test]
fn a_right_code_is_not_counted_against_the_client() {
    let limits = Limits::default();
    for i in 0..20 {
        assert_eq!(limits.code_attempt("c", at(i)), CodeGate::Open);
        limits.code_was_right("c");
    }
}

#[test]
fn a_client_over_its_report_limit_is_refused_but_others_are_not() {
    let limits = Limits::default();
    assert!(limits.reserve_report(&[("a", 2), ("card", 10)], at(0)));
    assert!(limits.reserve_report(&[("a", 2), ("card", 10)], at(1)));
    assert!(!limits.reserve_report(&[("a", 2), ("card", 10)], at(2)));
    assert!(limits.reserve_report(&[("b", 2), ("card", 10)], at(2)));
    assert!(!limits.reserve_report(&[("b", 2), ("card", 3)], at(3)));
    // A refused reservation took nothing: b still has one left.
    assert!(limits.reserve_report(&[("b", 2)], at(3)));
    // An hour later the window starts again.
    assert!(limits.reserve_report(&[("a", 2)], at(3601)));
}

#[test]
fn parallel_login_attempts_from_one_client_get_no_more_than_the_free_checks() {
    let limits = Limits::default();
    let opened = (0..40)
        .filter(|_| limits.login_attempt("c", at(0)) == Gate::Open)
        .count();
    assert_eq!(opened as u32, LOGIN_FREE_FAILURES);
    for _ in 0..opened {
        limits.login_failed("c", at(1));
    }
    // Then one attempt at a time, each wait twice the last.
    assert!(matches!(limits.login_attempt("c", at(1)), Gate::Wait(_)));
    assert_eq!(limits.login_attempt("c", at(2)), Gate::Open);
    assert!(matches!(limits.login_attempt("c", at(2)), Gate::Wait(_)));
    limits.login_failed("c", at(2));
    assert!(matches!(limits.login_attempt("c", at(3)), Gate::Wait(_)));
    assert_eq!(limits.login_attempt("c", at(4)), Gate::Open);
    // Another address is not affected, and a success forgives.
    assert_eq!(limits.login_attempt("other", at(4)), Gate::Open);
    assert!(!limits.login_client_is_clean("c"));
    limits.login_succeeded("c");
    assert!(limits.login_client_is_clean("c"));
}

#[test]
fn a_client_that_keeps_failing_waits_at_most_a_quarter_of_an_hour() {
    let limits = Limits::default();
    let mut now = 0;
    for _ in 0..40 {
        loop {
            now += 1;
            if limits.login_attempt("c", at(now)) == Gate::Open {
                break;
            }
        }
        limits.login_failed("c", at(now));
    }
    match limits.login_attempt("c", at(now)) {
        Gate::Wait(wait) => assert!(wait <= LOGIN_LONGEST_WAIT),
        Gate::Open => panic!("a client that keeps failing must wait"),
    }
    assert_eq!(
        limits.login_attempt("c", at(now + 15 * 60)),
        Gate::Open,
        "the wait always ends"
    );
}

#[test]
fn a_locked_account_is_checked_for_one_clean_client_at_a_time() {
    let limits = Limits::default();
    assert_eq!(limits.locked_check("u", at(0)), Gate::Open);
    assert!(matches!(limits.locked_check("u", at(0)), Gate::Wait(_)));
    limits.locked_check_failed("u", at(0));
    assert!(matches!(limits.locked_check("u", at(0)), Gate::Wait(_)));
    assert_eq!(limits.locked_check("u", at(1)), Gate::Open);
    limits.locked_check_done("u", true);
    assert_eq!(limits.locked_check("u", at(1)), Gate::Open);
}

#[test]
fn a_released_reservation_can_be_used_again() {
    let limits = Limits::default();
    assert!(limits.reserve_report(&[("a", 1)], at(0)));
    assert!(!limits.reserve_report(&[("a", 1)], at(1)));
    limits.release_report(&["a"]);
    assert!(limits.reserve_report(&[("a", 1)], at(2)));
}
