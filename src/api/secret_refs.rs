//! Where the store names the keyring's secrets: every `…_ref` column of a
//! table and every `…_ref` key of the accounts' settings. The support bundle
//! blacks out what they name; a restore tells which accounts lack theirs.

use sqlx::SqlitePool;

use crate::error::Result;

/// One keyring entry the store names, and the channel account it is for
/// (when its table has a `channel_account_id`, or it is in an account's
/// settings).
pub(super) struct SecretRef {
    pub account: Option<i64>,
    pub name: String,
}

/// Every keyring entry the store names (empty names left out).
pub(super) async fn secret_refs(pool: &SqlitePool) -> Result<Vec<SecretRef>> {
    let columns: Vec<(String, String, bool)> = sqlx::query_as(
        "SELECT t.name, c.name,
                EXISTS (SELECT 1 FROM pragma_table_info(t.name) k WHERE k.name = 'channel_account_id')
         FROM sqlite_master t, pragma_table_info(t.name) c
         WHERE t.type = 'table' AND c.name LIKE '%\\_ref' ESCAPE '\\'",
    )
    .fetch_all(pool)
    .await?;
    let mut refs: Vec<(Option<i64>, String)> = sqlx::query_as(
        "SELECT a.id, j.value FROM channel_accounts a, json_tree(a.settings) j
         WHERE j.key LIKE '%\\_ref' ESCAPE '\\' AND j.type = 'text'",
    )
    .fetch_all(pool)
    .await?;
    for (table, column, of_account) in columns {
        let sql = format!(
            "SELECT {account}, \"{column}\" FROM \"{table}\" WHERE typeof(\"{column}\") = 'text'",
            account = if of_account {
                "channel_account_id"
            } else {
                "NULL"
            },
            column = column.replace('"', "\"\""),
            table = table.replace('"', "\"\""),
        );
        let found: Vec<(Option<i64>, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(pool)
            .await?;
        refs.extend(found);
    }
    Ok(refs
        .into_iter()
        .filter(|(_, name)| !name.is_empty())
        .map(|(account, name)| SecretRef { account, name })
        .collect())
}
