//! What the system says about where the person is, used only to suggest a
//! crisis region on first run. Nothing is saved until the person chooses.

use drawbridge_core::Catalog;

/// The locale, as the C library would pick it (LC_ALL, then LC_MESSAGES, then LANG).
fn locale() -> Option<String> {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .find(|v| !v.trim().is_empty())
}

/// The time zone name: TZ, then /etc/timezone, then where /etc/localtime points.
fn time_zone() -> Option<String> {
    if let Ok(tz) = std::env::var("TZ")
        && !tz.trim().is_empty()
    {
        return Some(tz.trim().trim_start_matches(':').to_string());
    }
    if let Ok(t) = std::fs::read_to_string("/etc/timezone")
        && !t.trim().is_empty()
    {
        return Some(t.trim().to_string());
    }
    let link = std::fs::read_link("/etc/localtime").ok()?;
    let path = link.to_string_lossy().into_owned();
    path.split_once("zoneinfo/").map(|(_, zone)| zone.to_string())
}

/// The code of the region the system suggests, if any.
pub fn suggested_region(catalog: &Catalog) -> Option<String> {
    catalog
        .crisis()
        .suggest(locale().as_deref(), time_zone().as_deref())
        .map(|r| r.code.clone())
}
