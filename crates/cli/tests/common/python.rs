//! The Python validators some tests use: a real FHIR R4 validator
//! (fhir.resources 6.4.0) and a real iCalendar parser (icalendar), from
//! PyPI. DRAWBRIDGE_PYTHON names the interpreter that has them (default
//! python3). Without them those checks skip with a message, unless
//! DRAWBRIDGE_REQUIRE_PYTHON=1 (CI sets it), when a missing one fails.

/// The interpreter, if `probe` runs in it.
pub fn test_python(probe: &str, what: &str) -> Option<String> {
    let required = std::env::var("DRAWBRIDGE_REQUIRE_PYTHON").is_ok_and(|v| v == "1");
    let py = std::env::var("DRAWBRIDGE_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = std::process::Command::new(&py)
        .args(["-c", probe])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(py);
    }
    assert!(!required, "DRAWBRIDGE_REQUIRE_PYTHON=1 but {py} lacks {what}");
    eprintln!("skipping a check that needs {what}: install it and set DRAWBRIDGE_PYTHON");
    None
}
