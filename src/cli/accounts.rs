//! `tuberry accounts`: every channel account of every kind in the one state model.

/// One line per account: id, kind, state (and the kind's own word), name,
/// project; the last error and when it was last connected below.
pub fn account_text(a: &crate::channels::Account) -> String {
    let status = &a.status;
    let state = match &status.detail {
        Some(detail) if detail != status.state.as_str() => format!("{} ({detail})", status.state),
        _ => status.state.to_string(),
    };
    let project = a
        .project_id
        .map(|p| format!("  project {p}"))
        .unwrap_or_default();
    let mut line = format!(
        "{:>4}  {:<16}  {:<24}  {}{project}\n",
        a.id,
        a.kind.as_str(),
        state,
        a.name
    );
    if let Some(error) = &status.last_error {
        line.push_str(&format!("      last error: {error}\n"));
    }
    if let Some(at) = status.last_connected_at {
        line.push_str(&format!("      last connected: {}\n", super::time(at)));
    }
    line
}
