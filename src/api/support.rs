//! The support bundle: one zip a shop sends when it asks for help — the
//! doctor's findings, the settings, the version and schema, and the last
//! logs. Every secret Tuberry keeps in the keyring, and anything shaped like
//! a token, password or key, is blacked out before it is written.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use crate::engine::Engine;
use crate::error::Error;

use super::ApiResult;

/// What replaces a secret in the bundle.
pub const SCRUBBED: &str = "[secret]";
/// The newest log files the bundle carries, and at most this much of each
/// (its end).
const LOG_FILES: usize = 3;
const LOG_TAIL: u64 = 2 * 1024 * 1024;

/// Text shaped like a secret whatever its source: a Telegram bot token, an
/// API key, the value after `password=`, `token:`, `Authorization: Bearer`…
static SHAPES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (
            r#"(?i)\b([a-z_]*(?:password|passwd|secret|token|api_?key|apikey)[a-z_]*)(["']?\s*[:=]\s*)"[^"\n]*""#,
            "$1$2\"[secret]\"",
        ),
        (r"\b\d{6,12}:[A-Za-z0-9_-]{30,}\b", SCRUBBED),
        (r"\bsk-[A-Za-z0-9_-]{16,}", SCRUBBED),
        (r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}", "$1 [secret]"),
        (
            r#"(?i)\b([a-z_]*(?:password|passwd|secret|token|api_?key|apikey)[a-z_]*)(["']?\s*[:=]\s*["']?)[^\s"',;&}]+"#,
            "$1$2[secret]",
        ),
    ]
    .into_iter()
    .map(|(re, with)| (Regex::new(re).expect("a valid pattern"), with))
    .collect()
});

/// Blacks out `known` secrets and whatever looks like one.
pub struct Scrubber {
    known: Vec<String>,
}

impl Scrubber {
    pub fn new(mut known: Vec<String>) -> Self {
        // Short values would black out ordinary words; longest first so a
        // secret containing another goes whole.
        known.retain(|s| s.chars().count() >= 4);
        known.sort_by_key(|s| std::cmp::Reverse(s.len()));
        known.dedup();
        Self { known }
    }

    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.known {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), SCRUBBED);
            }
        }
        for (shape, with) in SHAPES.iter() {
            out = shape.replace_all(&out, *with).into_owned();
        }
        out
    }
}

/// Every secret the keyring holds for this data directory: the names are
/// the `…_ref` columns of the store and the `…_ref` keys of the accounts'
/// settings (and a bot's webhook secret beside its token).
async fn known_secrets(engine: &Engine) -> ApiResult<Vec<String>> {
    let refs = super::secret_refs::secret_refs(engine.store().pool()).await?;
    let mut secrets = Vec::new();
    for r in &refs {
        for entry in [r.name.clone(), format!("{}-webhook", r.name)] {
            // An unreachable keyring leaves the shapes to do the work.
            if let Ok(Some(secret)) = engine.keyring().get(&entry).await {
                secrets.push(secret.expose().clone());
            }
        }
    }
    Ok(secrets)
}

/// The end of a file, at most `max` bytes, from a line's start.
fn tail(path: &Path, max: u64) -> std::io::Result<String> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    file.seek(SeekFrom::Start(len.saturating_sub(max)))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Ok(if len > max {
        text.split_once('\n')
            .map_or(text.clone(), |(_, rest)| rest.to_owned())
    } else {
        text
    })
}

/// Writes `bytes` as `stem.ext` in `folder` (the user's Downloads folder
/// when `None`, else the data directory's `exports`), under a name not yet
/// taken, and answers the file's path.
pub(crate) fn save_in(
    engine: &Engine,
    folder: Option<String>,
    stem: &str,
    ext: &str,
    bytes: &[u8],
) -> ApiResult<PathBuf> {
    let folder = match folder.filter(|f| !f.trim().is_empty()) {
        Some(f) => PathBuf::from(f),
        None => directories::UserDirs::new()
            .and_then(|u| u.download_dir().map(Path::to_path_buf))
            .unwrap_or_else(|| engine.data_dir().join("exports")),
    };
    if !folder.is_absolute() {
        return Err(Error::invalid("choose a folder by its full path").into());
    }
    let io = |source| Error::Io {
        path: folder.display().to_string(),
        source,
    };
    std::fs::create_dir_all(&folder).map_err(io)?;
    let mut path = folder.join(format!("{stem}.{ext}"));
    let mut n = 2;
    while path.exists() {
        path = folder.join(format!("{stem} ({n}).{ext}"));
        n += 1;
    }
    std::fs::write(&path, bytes).map_err(io)?;
    Ok(path)
}

/// The folder holding `path`, a file Tuberry saved (a Dashboard export, a
/// support bundle), for "Show in folder": only an existing file named
/// `tuberry-…` given by its full path.
pub fn folder_of_saved_file(path: &str) -> ApiResult<PathBuf> {
    let file = Path::new(path);
    let ours = file
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("tuberry-"));
    match file.parent() {
        Some(folder) if ours && file.is_absolute() && file.is_file() => Ok(folder.to_path_buf()),
        _ => Err(Error::invalid(format!("{path} is not a file Tuberry saved")).into()),
    }
}

/// Makes the support bundle in `folder` (Downloads when `None`) and answers
/// its path.
pub async fn support_bundle(engine: &Engine, folder: Option<String>) -> ApiResult<String> {
    let scrubber = Scrubber::new(known_secrets(engine).await?);
    let health = super::health(engine).await?;
    let now = engine.clock().now_ms();
    let mut files: Vec<(String, String)> = vec![
        (
            "about.txt".into(),
            format!(
                "Tuberry {}\nschema version {}\nsystem {} {}\ndata directory {}\nmade at {}\n",
                env!("CARGO_PKG_VERSION"),
                crate::store::known_schema_version(),
                std::env::consts::OS,
                std::env::consts::ARCH,
                engine.data_dir().display(),
                chrono::DateTime::from_timestamp_millis(now)
                    .map_or_else(String::new, |d| d.to_rfc3339()),
            ),
        ),
        (
            "doctor.json".into(),
            serde_json::to_string_pretty(&health).map_err(|e| Error::invalid(e.to_string()))?,
        ),
    ];
    let settings = engine.data_dir().join(crate::settings::FILE_NAME);
    if let Ok(text) = std::fs::read_to_string(&settings) {
        files.push((crate::settings::FILE_NAME.into(), text));
    }
    let logs = engine.data_dir().join("logs");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&logs)
        .map(|dir| {
            dir.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    for path in names.iter().rev().take(LOG_FILES) {
        let text = tail(path, LOG_TAIL).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        files.push((format!("logs/{name}"), text));
    }

    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let zipped = |e: zip::result::ZipError| Error::invalid(format!("the bundle: {e}"));
    for (name, text) in files {
        zip.start_file(name, options).map_err(zipped)?;
        zip.write_all(scrubber.scrub(&text).as_bytes())
            .map_err(|e| zipped(e.into()))?;
    }
    let bytes = zip.finish().map_err(zipped)?.into_inner();
    let stamp = chrono::DateTime::from_timestamp_millis(now)
        .map_or_else(String::new, |d| d.format("%Y-%m-%d-%H%M").to_string());
    let path = save_in(
        engine,
        folder,
        &format!("tuberry-support-{stamp}"),
        "zip",
        &bytes,
    )?;
    tracing::info!(path = %path.display(), "support bundle made");
    Ok(path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_file_tuberry_saved_is_shown_in_its_folder() {
        let dir = tempfile::tempdir().expect("temp dir");
        let ours = dir.path().join("tuberry-support-2026-12-06-2130.zip");
        let theirs = dir.path().join("notes.txt");
        std::fs::write(&ours, b"zip").expect("write");
        std::fs::write(&theirs, b"notes").expect("write");
        let shown = folder_of_saved_file(&ours.display().to_string()).expect("ours");
        assert_eq!(shown, dir.path());
        for refused in [
            theirs.display().to_string(),
            dir.path().join("tuberry-gone.csv").display().to_string(),
            "tuberry-support.zip".to_owned(),
            dir.path().display().to_string(),
        ] {
            assert!(folder_of_saved_file(&refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn secrets_known_and_shaped_are_blacked_out() {
        let s = Scrubber::new(vec!["hunter2-mailbox".into(), "abc".into()]);
        let out = s.scrub(
            "login with hunter2-mailbox; bot 123456789:AAHk2x9fVv0123456789abcdefghijklmno ok\n\
             password = \"p@ss w0rd\" token: xyz123 Authorization: Bearer eyJhbGciOi.JIUz\n\
             api_key=sk-proj-0123456789abcdef abc stays",
        );
        for gone in [
            "hunter2",
            "AAHk2x9",
            "p@ss",
            "w0rd",
            "xyz123",
            "eyJhbGciOi",
            "sk-proj",
        ] {
            assert!(!out.contains(gone), "{gone} in {out}");
        }
        assert!(out.contains("abc stays"), "{out}");
        assert!(out.contains("password = \"[secret]\" token"), "{out}");
    }
}
