//! Reading, checking and editing `settings.toml`.

use super::*;

#[test]
fn empty_file_gives_defaults() {
    assert_eq!(Settings::parse(""), Ok(Settings::default()));
}

#[test]
fn user_values_override_defaults() {
    let s = Settings::parse("[queue]\nworkers = 2\n").expect("valid settings");
    assert_eq!(s.queue.workers, 2);
    assert_eq!(s.queue.max_attempts, QueueSettings::default().max_attempts);
}

#[test]
fn unknown_key_is_named() {
    let err = Settings::parse("[queue]\nworkerz = 2\n").expect_err("unknown key must be refused");
    assert!(
        err.contains("workerz"),
        "error should name the bad key: {err}"
    );
}

#[test]
fn invalid_value_is_named() {
    let err = Settings::parse("[queue]\nworkers = 0\n").expect_err("zero workers must be refused");
    assert!(err.contains("queue.workers"), "{err}");
    let err = Settings::parse("[whatsapp]\ncloud_api_url = \"ftp://graph\"\n")
        .expect_err("only an http(s) address");
    assert!(err.contains("whatsapp.cloud_api_url"), "{err}");
}

#[test]
fn an_edit_keeps_the_rest_of_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(FILE_NAME);
    std::fs::write(&path, "# mine\n[queue]\nworkers = 2 # two cores\n").expect("write");
    let edit = Settings::edit(
        dir.path(),
        &Change::HttpListen(Some("127.0.0.1:8787".into())),
    )
    .expect("a valid address");
    assert_eq!(edit.settings.http.listen.as_deref(), Some("127.0.0.1:8787"));
    edit.write().expect("written");
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(
        text.contains("# mine") && text.contains("workers = 2 # two cores"),
        "{text}"
    );
    let settings = Settings::load(dir.path()).expect("the file still loads");
    assert_eq!(settings.queue.workers, 2);
    assert_eq!(settings.http.listen.as_deref(), Some("127.0.0.1:8787"));

    Settings::edit(dir.path(), &Change::HttpListen(None))
        .and_then(Edit::write)
        .expect("turned off");
    assert_eq!(Settings::load(dir.path()).expect("loads").http.listen, None);
}

#[test]
fn a_refused_edit_names_the_key_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let err = Settings::edit(dir.path(), &Change::HttpListen(Some("localhost".into())))
        .expect_err("an address without a port is refused");
    assert!(err.to_string().contains("http.listen"), "{err}");
    let err = Settings::edit(dir.path(), &Change::LogLevel("tuberry=loud".into()))
        .expect_err("a bad filter is refused");
    assert!(err.to_string().contains("log.level"), "{err}");
    assert!(!dir.path().join(FILE_NAME).exists(), "nothing was written");
}

#[test]
fn cors_origins_are_bare_origins() {
    for good in ["https://shop.example", "http://192.168.1.5:3000"] {
        let text = format!("[http]\ncors_origins = [\"{good}\"]\n");
        assert!(Settings::parse(&text).is_ok(), "{good}");
    }
    for bad in [
        "https://shop.example/",
        "https://shop.example/chat",
        "shop.example",
        "*",
        "ftp://shop.example",
    ] {
        let text = format!("[http]\ncors_origins = [\"{bad}\"]\n");
        let err = Settings::parse(&text).unwrap_err();
        assert!(err.contains("http.cors_origins"), "{bad}: {err}");
    }
}
