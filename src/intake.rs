//! Files another system hands over with a message — the LAN API's `/send`,
//! a provider's customer message — by URL (fetched here, http or https, up
//! to [`MAX_FILE`]) or inline in base64, kept in the file store.

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::files::Files;
use crate::model::{Attachment, AttachmentKind};

/// Files a message may carry, and the largest one.
pub const MAX_FILES: usize = 10;
pub const MAX_FILE: usize = 20 * 1024 * 1024;
/// How long fetching a file by its URL may take.
const FETCH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// A file sent with a message: fetched from `url`, or `data` in base64.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AttachmentIn {
    /// The file's name as the customer sees it.
    #[schema(min_length = 1)]
    pub name: String,
    pub mime: Option<String>,
    pub url: Option<String>,
    pub data: Option<String>,
}

/// The client that fetches files by URL: 5 s to connect, three redirects.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::limited(3))
        .build()
        .unwrap_or_default()
}

/// Refuses a list of files that cannot be taken, before anything is fetched.
pub fn check(given: &[AttachmentIn]) -> Result<()> {
    if given.len() > MAX_FILES {
        return Err(Error::invalid(format!(
            "a message carries at most {MAX_FILES} attachments"
        )));
    }
    for (n, a) in given.iter().enumerate() {
        if a.name.trim().is_empty() {
            return Err(Error::invalid(format!("attachments[{n}].name is empty")));
        }
        if a.url.is_some() == a.data.is_some() {
            return Err(Error::invalid(format!(
                "attachments[{n}] needs either url or data"
            )));
        }
    }
    Ok(())
}

/// The files handed over, fetched or decoded and kept in the file store;
/// the first that cannot be is refused, naming it.
pub async fn keep(
    files: &Files,
    client: &reqwest::Client,
    given: &[AttachmentIn],
) -> Result<Vec<Attachment>> {
    use base64::Engine as _;
    let mut kept = Vec::with_capacity(given.len());
    for (n, a) in given.iter().enumerate() {
        let which = format!("attachments[{n}]");
        let (bytes, served_mime) = match (&a.url, &a.data) {
            (Some(url), None) => fetch(client, url)
                .await
                .map_err(|e| Error::invalid(format!("{which}: {e}")))?,
            (None, Some(data)) => (
                base64::engine::general_purpose::STANDARD
                    .decode(data.trim())
                    .map_err(|_| Error::invalid(format!("{which}.data is not base64")))?,
                None,
            ),
            _ => return Err(Error::invalid(format!("{which} needs either url or data"))),
        };
        if bytes.len() > MAX_FILE {
            return Err(Error::invalid(format!(
                "{which} is larger than {} MB",
                MAX_FILE / 1024 / 1024
            )));
        }
        let mime = a
            .mime
            .clone()
            .or(served_mime)
            .unwrap_or_else(|| "application/octet-stream".to_owned());
        let url = files.put(&bytes).await?;
        kept.push(Attachment {
            kind: AttachmentKind::from_mime(&mime),
            name: a.name.trim().to_owned(),
            mime: Some(mime),
            url: Some(url),
            size: i64::try_from(bytes.len()).ok(),
        });
    }
    Ok(kept)
}

/// A file by its URL (http or https), up to [`MAX_FILE`], and the type the server gave.
async fn fetch(client: &reqwest::Client, url: &str) -> Result<(Vec<u8>, Option<String>), String> {
    let parsed = url::Url::parse(url).map_err(|_| "url is not a URL".to_owned())?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("url must be http or https".into());
    }
    let mut response = client
        .get(parsed)
        .timeout(FETCH_TIMEOUT)
        .send()
        .await
        .map_err(|e| format!("could not fetch the file: {}", e.without_url()))?;
    if !response.status().is_success() {
        return Err(format!("fetching the file answered {}", response.status()));
    }
    if response
        .content_length()
        .is_some_and(|n| n > MAX_FILE as u64)
    {
        return Err(format!(
            "the file is larger than {} MB",
            MAX_FILE / 1024 / 1024
        ));
    }
    let mime = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty());
    let mut bytes = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("could not fetch the file: {}", e.without_url()))?
    {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > MAX_FILE {
            return Err(format!(
                "the file is larger than {} MB",
                MAX_FILE / 1024 / 1024
            ));
        }
    }
    Ok((bytes, mime))
}
