//! An empty Tauri window: the yardstick the benchmark measures the desktop
//! app against (its start and its memory). Built with the app:
//! `cargo build --release -p tuberry-desktop --example empty_window`.
//!
//! Its page, once drawn, calls `shown`, which writes `empty window shown`
//! with the milliseconds since the program started on standard error, as
//! the app logs `inbox shown`.

use std::time::Instant;

/// The page is drawn.
#[tauri::command]
fn shown(started: tauri::State<'_, Instant>) {
    eprintln!("empty window shown ms={}", started.elapsed().as_millis());
}

fn main() {
    let started = Instant::now();
    tauri::Builder::default()
        .manage(started)
        .invoke_handler(tauri::generate_handler![shown])
        .run(tauri::generate_context!(
            "examples/empty_window/tauri.conf.json"
        ))
        .expect("the empty window runs");
}
