//! The benchmark's table: its lines and how they are printed (as text or
//! JSON), with the notes after them.

use serde::Serialize;

/// One line of the table.
#[derive(Serialize)]
pub struct Line {
    pub what: &'static str,
    pub unit: &'static str,
    pub tuberry: f64,
    pub reference: Option<f64>,
    pub reference_is: &'static str,
    /// Tuberry ÷ reference, where a reference exists.
    pub ratio: Option<f64>,
    pub goal: &'static str,
}

impl Line {
    /// A figure with no reference beside it.
    pub fn alone(what: &'static str, unit: &'static str, tuberry: f64, goal: &'static str) -> Self {
        Self {
            what,
            unit,
            tuberry,
            reference: None,
            reference_is: "",
            ratio: None,
            goal,
        }
    }
}

fn cores() -> usize {
    std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1)
}

pub fn print(
    total: usize,
    lines: &[Line],
    notes: &[String],
    json: bool,
) -> Result<(), serde_json::Error> {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "messages": total,
                "cores": cores(),
                "lines": lines,
                "notes": notes,
            }))?
        );
        return Ok(());
    }
    println!("{total} messages, {} cores\n", cores());
    println!(
        "{:<58} {:>10} {:>10} {:>6}  {:<30} goal",
        "", "Tuberry", "reference", "ratio", "reference is"
    );
    for l in lines {
        let reference = l
            .reference
            .map(|r| format!("{r:.1}"))
            .unwrap_or_else(|| "—".into());
        let ratio = l
            .ratio
            .map(|r| format!("{r:.2}"))
            .unwrap_or_else(|| "—".into());
        println!(
            "{:<58} {:>10} {:>10} {:>6}  {:<30} {}",
            format!("{} ({})", l.what, l.unit),
            format!("{:.1}", l.tuberry),
            reference,
            ratio,
            l.reference_is,
            l.goal
        );
    }
    println!();
    for note in notes {
        println!("{note}");
    }
    Ok(())
}
