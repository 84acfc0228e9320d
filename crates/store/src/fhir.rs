//! Quiz results as FHIR R4 QuestionnaireResponse resources, in a Bundle of
//! type "collection", so a clinician's system can read them. Each answer is an
//! item with `valueInteger`; the scale scores follow in a group item
//! `scores`, one child per scale with `valueDecimal` (omitted where a scale
//! had too few answers). The questionnaire is named by a drawbridge URN
//! with its version, since these instruments have no published canonical URL.

use drawbridge_core::assess::{Instrument, QuizResult};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

fn when(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// One result as a QuestionnaireResponse.
pub fn questionnaire_response(r: &QuizResult, instrument: Option<&Instrument>) -> Value {
    let text = |id: &str| instrument.and_then(|i| i.item(id)).map(|i| i.text.clone());
    // Answers in the instrument's order where we know it.
    let mut ids: Vec<&String> = r.answers.keys().collect();
    if let Some(inst) = instrument {
        ids.sort_by_key(|id| inst.items.iter().position(|i| &i.id == *id).unwrap_or(usize::MAX));
    }
    let mut items: Vec<Value> = ids
        .iter()
        .map(|id| {
            let mut item = json!({ "linkId": id, "answer": [{ "valueInteger": r.answers[*id] }] });
            if let Some(t) = text(id) {
                item["text"] = Value::String(t);
            }
            item
        })
        .collect();
    if let Some(scores) = &r.scores {
        let children: Vec<Value> = scores
            .iter()
            .map(|(scale, score)| {
                let title = instrument
                    .and_then(|i| i.scale(scale))
                    .map(|s| s.title.clone())
                    .unwrap_or_else(|| scale.clone());
                let mut item = json!({ "linkId": format!("score-{scale}"), "text": title });
                if let Some(v) = score.value() {
                    item["answer"] = json!([{ "valueDecimal": (v * 10_000.0).round() / 10_000.0 }]);
                }
                item
            })
            .collect();
        if !children.is_empty() {
            items.push(json!({ "linkId": "scores", "text": "Scale scores", "item": children }));
        }
    }
    let mut qr = json!({
        "resourceType": "QuestionnaireResponse",
        "id": r.id.to_string(),
        "questionnaire": format!("urn:drawbridge:questionnaire:{}|{}", r.instrument, r.instrument_version),
        "status": if r.finished_at.is_some() { "completed" } else { "in-progress" },
        "authored": when(r.finished_at.unwrap_or(r.updated_at)),
    });
    if !items.is_empty() {
        qr["item"] = Value::Array(items);
    }
    qr
}

/// Results as a Bundle of type "collection".
pub fn bundle(results: &[(QuizResult, Option<Instrument>)]) -> Value {
    json!({
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": when(OffsetDateTime::now_utc()),
        "entry": results.iter().map(|(r, i)| json!({
            "fullUrl": format!("urn:uuid:{}", r.id),
            "resource": questionnaire_response(r, i.as_ref()),
        })).collect::<Vec<_>>(),
    })
}
