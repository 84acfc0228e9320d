use proptest::prelude::*;
use time::macros::{date, datetime};
use time::{Date, Duration, OffsetDateTime, UtcOffset};
use uuid::Uuid;

use super::*;
use crate::Catalog;

fn text() -> &'static PeopleText {
    Catalog::embedded().people()
}

fn details(name: &str) -> PersonDetails {
    PersonDetails {
        name: name.into(),
        kind: Kind::Friend,
        since: None,
        stage: 0,
        ideal_days: None,
        max_days: None,
        notes: None,
    }
}

fn person(name: &str, added: OffsetDateTime) -> Person {
    Person {
        id: Uuid::now_v7(),
        added_at: added,
        edited_at: None,
        details: details(name),
        archived: false,
    }
}

fn experiment(at: OffsetDateTime, stage: u8, outcome: Outcome) -> LinkedFact {
    LinkedFact {
        kind: LinkKind::Experiment,
        item: Uuid::now_v7(),
        at,
        stage: Some(stage),
        outcome: Some(outcome),
        did: None,
        done: true,
    }
}

fn past(began: Date, days: i64, by: EndedBy, stage: Option<u8>, urges: &[&str]) -> PastRelationship {
    PastRelationship {
        id: Uuid::now_v7(),
        person: Uuid::now_v7(),
        began,
        ended: began + Duration::days(days),
        ended_by: by,
        stage,
        urges: urges.iter().map(|s| s.to_string()).collect(),
        note: None,
        added_at: datetime!(2026-12-01 10:00 UTC),
    }
}

#[test]
fn details_are_trimmed_and_checked_with_words_that_say_what_to_do() {
    let today = date!(2026 - 12 - 01);
    let d = PersonDetails {
        notes: Some("  met at the climbing wall  ".into()),
        ..details("  Zoe ")
    }
    .checked(today)
    .expect("fine");
    assert_eq!(d.name, "Zoe");
    assert_eq!(d.notes.as_deref(), Some("met at the climbing wall"));
    assert_eq!(details("   ").checked(today), Err(PersonError::NoName));
    let long = "a".repeat(NAME_MAX + 1);
    assert_eq!(details(&long).checked(today), Err(PersonError::NameTooLong(NAME_MAX + 1)));
    let backwards = PersonDetails {
        ideal_days: Some(21),
        max_days: Some(7),
        ..details("Sam")
    };
    let err = backwards.checked(today).expect_err("max below ideal");
    assert_eq!(err.field(), "max_days");
    assert!(err.to_string().contains("at least as long"), "{err}");
    let future = PersonDetails {
        since: Some(date!(2027 - 01 - 01)),
        ..details("Sam")
    };
    assert_eq!(future.checked(today), Err(PersonError::SinceFuture(date!(2027 - 01 - 01))));
    assert_eq!(stage(5), Err(PersonError::Stage(5)));
    assert_eq!(interval(0), Err(PersonError::Interval(0)));
    assert_eq!(Kind::parse(" Partner "), Some(Kind::Partner));
    assert!(same_name("Sam ", "sam"));
}

#[test]
fn the_stage_shown_is_the_highest_reached_in_words_or_in_experiments() {
    let p = person("Zoe", datetime!(2026-01-01 10:00 UTC));
    let a = experiment(datetime!(2026-02-01 10:00 UTC), 2, Outcome::Better);
    let b = experiment(datetime!(2026-03-01 10:00 UTC), 3, Outcome::Mixed);
    let c = experiment(datetime!(2026-04-01 10:00 UTC), 1, Outcome::Better);
    let planned = LinkedFact {
        done: false,
        outcome: None,
        ..experiment(datetime!(2026-05-01 10:00 UTC), 4, Outcome::Better)
    };
    let e = Evidence {
        facts: vec![&c, &a, &planned, &b],
        ..Evidence::default()
    };
    assert_eq!(stage_reached(&p.details, &e), 3, "a planned experiment is not reached yet");
    let said = PersonDetails {
        stage: 4,
        ..p.details.clone()
    };
    assert_eq!(stage_reached(&said, &e), 4);
    assert_eq!(
        stage_over_time(&e, UtcOffset::UTC),
        vec![(date!(2026 - 02 - 01), 2), (date!(2026 - 03 - 01), 3)]
    );
}

#[test]
fn any_contact_resets_the_clock_and_drifting_has_two_gentle_steps() {
    let added = datetime!(2026-01-01 10:00 UTC);
    let mut p = person("Sam", added);
    p.details.ideal_days = Some(7);
    p.details.max_days = Some(21);
    let today = date!(2026 - 02 - 01);
    let none = Evidence::default();
    let s = standing(&p, &none, today, UtcOffset::UTC, text());
    assert_eq!((s.last_contact, s.days_since, s.drifting), (None, 31, Drift::Max));

    let stayed = LinkedFact {
        kind: LinkKind::Urge,
        item: Uuid::now_v7(),
        at: datetime!(2026-01-20 21:00 UTC),
        stage: None,
        outcome: None,
        did: Some("stayed".into()),
        done: false,
    };
    let acted = LinkedFact {
        did: Some("acted".into()),
        at: datetime!(2026-01-30 21:00 UTC),
        ..stayed.clone()
    };
    let e = Evidence {
        facts: vec![&stayed, &acted],
        ..Evidence::default()
    };
    let s = standing(&p, &e, today, UtcOffset::UTC, text());
    assert_eq!(s.last_contact, Some(date!(2026 - 01 - 20)), "an urge acted on is not contact");
    assert_eq!((s.days_since, s.drifting), (12, Drift::Ideal));

    let talked = Contact {
        id: Uuid::now_v7(),
        person: p.id,
        on: date!(2026 - 01 - 29),
        logged_at: added,
    };
    let reply = Reply {
        id: Uuid::now_v7(),
        person: p.id,
        since: datetime!(2026-01-30 09:00 UTC),
        about: None,
        replied_at: Some(datetime!(2026-01-30 10:00 UTC)),
        felt: Some(40),
    };
    let open = Reply {
        id: Uuid::now_v7(),
        replied_at: None,
        ..reply.clone()
    };
    let e = Evidence {
        facts: vec![&stayed],
        contacts: vec![&talked],
        replies: vec![&reply, &open],
        marks: vec![],
    };
    let s = standing(&p, &e, today, UtcOffset::UTC, text());
    assert_eq!((s.last_contact, s.drifting, s.owed), (Some(date!(2026 - 01 - 30)), Drift::None, 1));
    p.archived = true;
    let gone = standing(&p, &none, today, UtcOffset::UTC, text());
    assert_eq!(gone.drifting, Drift::None, "an archived person never drifts");
}

#[test]
fn safety_is_suggested_only_from_evidence_and_always_says_what_it_rests_on() {
    let shared: Vec<LinkedFact> = (0..3)
        .map(|i| experiment(datetime!(2026-01-01 10:00 UTC) + Duration::weeks(3 * i), 3, Outcome::Better))
        .collect();
    let e = Evidence {
        facts: shared.iter().collect(),
        ..Evidence::default()
    };
    let views = safe_views(&e, UtcOffset::UTC, text());
    let kind = views.iter().find(|v| v.item == SafeItem::Kind).expect("kind");
    assert_eq!(kind.state, SafeState::Suggested);
    assert_eq!(
        kind.rests_on,
        vec!["You shared something real with them three times, and each time it went better than you feared."]
    );
    let consistent = views.iter().find(|v| v.item == SafeItem::Consistent).expect("consistent");
    assert_eq!(consistent.state, SafeState::Suggested);
    assert!(
        consistent.rests_on[0].starts_with("You have done three experiments with them across six weeks"),
        "{:?}",
        consistent.rests_on
    );
    for v in &views {
        assert!(!v.rests_on.is_empty(), "{:?} rests on nothing", v.item);
    }
    let private = views.iter().find(|v| v.item == SafeItem::Private).expect("private");
    assert_eq!(private.state, SafeState::Open);

    // One went worse: nothing is suggested, and the words say so.
    let worse = experiment(datetime!(2026-03-01 10:00 UTC), 4, Outcome::Worse);
    let mut facts: Vec<&LinkedFact> = shared.iter().collect();
    facts.push(&worse);
    let e = Evidence {
        facts,
        ..Evidence::default()
    };
    let views = safe_views(&e, UtcOffset::UTC, text());
    let kind = views.iter().find(|v| v.item == SafeItem::Kind).expect("kind");
    assert_eq!(kind.state, SafeState::Open);
    assert_eq!(
        kind.rests_on,
        vec!["You shared something real with them four times; three of those went better than you feared."]
    );

    // A mark is the person's word: it comes first, over any suggestion.
    let mark = SafeMark {
        person: Uuid::now_v7(),
        item: SafeItem::Kind,
        yes: false,
        at: datetime!(2026-03-02 10:00 UTC),
    };
    let e = Evidence {
        facts: shared.iter().collect(),
        marks: vec![&mark],
        ..Evidence::default()
    };
    let kind = safe_views(&e, UtcOffset::UTC, text())
        .into_iter()
        .find(|v| v.item == SafeItem::Kind)
        .expect("kind");
    assert_eq!(kind.state, SafeState::No);
    assert_eq!(kind.rests_on[0], "You marked this as not shown yet, on 2026-03-02.");
}

#[test]
fn repairs_rest_on_resets_and_the_contact_that_followed() {
    let reset = |at| LinkedFact {
        kind: LinkKind::Reset,
        item: Uuid::now_v7(),
        at,
        stage: None,
        outcome: None,
        did: None,
        done: false,
    };
    let (a, b) = (reset(datetime!(2026-01-01 10:00 UTC)), reset(datetime!(2026-02-01 10:00 UTC)));
    let talked = |on| Contact {
        id: Uuid::now_v7(),
        person: Uuid::nil(),
        on,
        logged_at: datetime!(2026-03-01 10:00 UTC),
    };
    let (c1, c2) = (talked(date!(2026 - 01 - 05)), talked(date!(2026 - 02 - 28)));
    let e = Evidence {
        facts: vec![&a, &b],
        contacts: vec![&c1, &c2],
        ..Evidence::default()
    };
    let v = safe_views(&e, UtcOffset::UTC, text())
        .into_iter()
        .find(|v| v.item == SafeItem::Repairs)
        .expect("repairs");
    assert_eq!(v.state, SafeState::Open, "only one reset was followed by contact within two weeks");
    assert_eq!(
        v.rests_on,
        vec!["You wrote a reset about something hard with them twice; after one of those you were back in touch within two weeks."]
    );
}

#[test]
fn replies_are_counted_by_month_within_the_hour_and_the_day() {
    let r = |since: OffsetDateTime, took: Option<Duration>| Reply {
        id: Uuid::now_v7(),
        person: Uuid::nil(),
        since,
        about: None,
        replied_at: took.map(|d| since + d),
        felt: None,
    };
    let all = [
        r(datetime!(2026-01-03 10:00 UTC), Some(Duration::minutes(20))),
        r(datetime!(2026-01-09 10:00 UTC), Some(Duration::hours(30))),
        r(datetime!(2026-02-01 10:00 UTC), Some(Duration::hours(5))),
        r(datetime!(2026-02-02 10:00 UTC), None),
    ];
    let months = reply_months(&all, UtcOffset::UTC);
    assert_eq!(
        months,
        vec![
            ReplyMonth {
                month: "2026-01".into(),
                replied: 2,
                within_hour: 1,
                within_day: 1
            },
            ReplyMonth {
                month: "2026-02".into(),
                replied: 1,
                within_hour: 0,
                within_day: 1
            },
        ]
    );
    let now = datetime!(2026-02-05 10:00 UTC);
    assert_eq!(waiting(now - Duration::minutes(5), now), "less than an hour");
    assert_eq!(waiting(now - Duration::hours(3), now), "three hours");
    assert_eq!(waiting(now - Duration::days(1), now), "one day");
    assert_eq!(waiting(now - Duration::days(20), now), "two weeks");
}

#[test]
fn the_pattern_is_the_typical_time_stage_and_urges_of_endings_you_chose() {
    let began = date!(2020 - 01 - 01);
    let all = vec![
        past(began, 90, EndedBy::Me, Some(3), &["go-quiet", "find-flaw"]),
        past(began, 100, EndedBy::Drifted, Some(3), &["go-quiet"]),
        past(began, 110, EndedBy::Both, Some(2), &["find-flaw", "busy"]),
        past(began, 900, EndedBy::Them, Some(4), &["busy"]),
    ];
    let PatternFound::Found(p) = find_pattern(&all) else {
        panic!("three endings make a pattern")
    };
    assert_eq!(p.counted, 3, "the ending they chose alone is not counted");
    assert_eq!(p.median_days, 100.0);
    assert!(!p.wide);
    assert_eq!(p.stage, Some(3));
    assert_eq!(p.urges, vec![("find-flaw".to_string(), 2), ("go-quiet".to_string(), 2)]);

    let today = began + Duration::days(1000);
    let near = today - Duration::days(95);
    let far = today - Duration::days(300);
    let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let found = nearing(&p, &[(a, Some(near), 1), (b, Some(far), 3), (c, Some(far), 2)], today);
    assert_eq!(
        found,
        vec![
            Nearing {
                person: a,
                why: NearingWhy::Time { days_in: 95, typical: 100 }
            },
            Nearing {
                person: b,
                why: NearingWhy::Stage { stage: 3 }
            },
        ]
    );
}

#[test]
fn one_relationship_is_never_a_pattern_and_a_wide_spread_says_so() {
    let began = date!(2020 - 01 - 01);
    let one = [past(began, 90, EndedBy::Me, Some(3), &["go-quiet"])];
    assert_eq!(find_pattern(&one), PatternFound::TooFew { counted: 1, needed: 2 });
    let spread = [
        past(began, 20, EndedBy::Me, None, &[]),
        past(began, 400, EndedBy::Me, None, &[]),
        past(began, 1500, EndedBy::Drifted, None, &[]),
    ];
    let PatternFound::Found(p) = find_pattern(&spread) else {
        panic!("three endings")
    };
    assert!(p.wide, "{p:?}");
    assert_eq!(p.stage, None, "no relationship gave a stage");
    let near = nearing(&p, &[(Uuid::nil(), Some(began), 0)], began + Duration::days(400));
    assert!(near.is_empty(), "a wide spread says nothing about time");
}

#[test]
fn a_past_relationship_is_checked_against_its_dates_and_the_urge_kinds() {
    let today = date!(2026 - 12 - 01);
    let kinds = ["go-quiet", "busy"];
    let p = past(date!(2026 - 01 - 01), 30, EndedBy::Me, Some(2), &["Go-Quiet", "go-quiet", "busy"]);
    let checked = p.clone().checked(today, &kinds).expect("fine");
    assert_eq!(checked.urges, vec!["go-quiet", "busy"]);
    let backwards = PastRelationship {
        ended: date!(2025 - 01 - 01),
        ..p.clone()
    };
    assert!(matches!(backwards.checked(today, &kinds), Err(PastError::EndsBeforeStart { .. })));
    let unknown = PastRelationship {
        urges: vec!["sulk".into()],
        ..p.clone()
    };
    assert_eq!(unknown.checked(today, &kinds), Err(PastError::UnknownUrge("sulk".into())));
    let ahead = PastRelationship {
        ended: date!(2027 - 01 - 01),
        ..p
    };
    assert_eq!(ahead.checked(today, &kinds), Err(PastError::EndFuture(date!(2027 - 01 - 01))));
}

#[test]
fn the_words_have_no_shaming_or_diagnosing_in_them() {
    let t = text();
    let all = [
        &t.intro,
        &t.safe_intro,
        &t.pattern_intro,
        &t.pattern_too_few,
        &t.nearing_time,
        &t.nearing_stage,
        &t.drift_max,
        &t.replies_intro,
        &t.delete_intro,
    ];
    for s in all {
        assert!(crate::words::shaming_words(s).is_empty(), "{s}");
    }
}

fn arb_past() -> impl Strategy<Value = PastRelationship> {
    (
        0i64..3000,
        1i64..2000,
        0usize..4,
        proptest::option::of(0u8..=4),
        proptest::collection::vec(0usize..4, 0..3),
    )
        .prop_map(|(start, days, by, stage, urges)| {
            let kinds = ["go-quiet", "busy", "find-flaw", "cancel"];
            let mut u: Vec<String> = urges.into_iter().map(|i| kinds[i].to_string()).collect();
            u.dedup();
            past(
                date!(2010 - 01 - 01) + Duration::days(start),
                days,
                EndedBy::ALL[by],
                stage,
                &u.iter().map(String::as_str).collect::<Vec<_>>(),
            )
        })
}

proptest! {
    #[test]
    fn the_order_of_the_records_never_changes_the_pattern(
        all in proptest::collection::vec(arb_past(), 0..12),
        seed in any::<u64>(),
    ) {
        let mut shuffled = all.clone();
        // A simple deterministic shuffle from the seed.
        let mut s = seed;
        for i in (1..shuffled.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (s >> 33) as usize % (i + 1));
        }
        prop_assert_eq!(find_pattern(&all), find_pattern(&shuffled));
    }

    #[test]
    fn a_pattern_always_rests_on_two_or_more_endings_and_its_median_lies_between_them(
        all in proptest::collection::vec(arb_past(), 0..12),
    ) {
        let pulled = all.iter().filter(|p| p.ended_by.pulled_away()).count();
        match find_pattern(&all) {
            PatternFound::TooFew { counted, .. } => prop_assert!(counted < 2 && counted == pulled),
            PatternFound::Found(p) => {
                prop_assert!(p.counted >= 2 && p.counted == pulled);
                prop_assert!(p.shortest_days as f64 <= p.q1_days && p.q1_days <= p.median_days);
                prop_assert!(p.median_days <= p.q3_days && p.q3_days <= p.longest_days as f64);
            }
        }
    }
}

#[test]
fn the_pattern_in_words_is_computed_from_its_numbers() {
    let began = date!(2020 - 01 - 01);
    let all = vec![
        past(began, 84, EndedBy::Me, Some(3), &["go-quiet"]),
        past(began, 98, EndedBy::Drifted, Some(3), &["go-quiet"]),
        past(began, 112, EndedBy::Both, None, &[]),
    ];
    let found = find_pattern(&all);
    let said = text().pattern_sentences(&found, &|s| format!("stage-{s}"), &|k| k.to_uppercase());
    assert_eq!(
        said,
        vec![
            "Across three relationships, the end came at about three months in, the soonest at three months and the latest at four months.",
            "Most often it came once things reached stage 3: stage-3.",
            "The urges that came before more than one ending: GO-QUIET (twice).",
        ]
    );
    let few = text().pattern_sentences(&find_pattern(&all[..1]), &|_| String::new(), &|k| k.into());
    assert!(few[0].contains("at least two past relationships"), "{few:?}");
    assert!(few[0].contains("so far there are one"), "{few:?}");
    let four = [
        past(began, 84, EndedBy::Me, None, &[]),
        past(began, 98, EndedBy::Me, None, &[]),
        past(began, 98, EndedBy::Me, None, &[]),
        past(began, 112, EndedBy::Me, None, &[]),
    ];
    let said = text().pattern_sentences(&find_pattern(&four), &|_| String::new(), &|k| k.into());
    assert_eq!(
        said,
        vec!["Across four relationships, the end came at about three months in; the middle half ended between 14 weeks and 15 weeks."]
    );
    assert_eq!(span_words(10.0), "ten days");
    assert_eq!(span_words(900.0), "2.5 years");
    assert_eq!(span_words(731.0), "two years");
}
