//! Staff members' own Telegram accounts: connecting one (QR or phone, then
//! the password), the accounts with their delivery flags, and the
//! application's identity at Telegram.

use crate::channels::login::LoginAttempt;
use crate::channels::telegram_account::model::{
    DeliveryFlags, LoginStart, TelegramAccount, TelegramApp, TelegramAppInput,
};
use crate::engine::Engine;
use crate::error::Error;

use super::ApiResult;

pub async fn telegram_app(engine: &Engine) -> ApiResult<TelegramApp> {
    Ok(engine.telegram_accounts().app().await?)
}

pub async fn save_telegram_app(engine: &Engine, input: TelegramAppInput) -> ApiResult<TelegramApp> {
    Ok(engine.telegram_accounts().save_app(input).await?)
}

pub async fn list_telegram_accounts(engine: &Engine) -> ApiResult<Vec<TelegramAccount>> {
    Ok(engine.telegram_accounts().list().await?)
}

pub async fn set_telegram_account_flags(
    engine: &Engine,
    account_id: i64,
    flags: DeliveryFlags,
) -> ApiResult<TelegramAccount> {
    Ok(engine
        .telegram_accounts()
        .set_flags(account_id, flags)
        .await?)
}

/// Logs the account out at Telegram and forgets its session.
pub async fn remove_telegram_account(engine: &Engine, account_id: i64) -> ApiResult<()> {
    Ok(engine.telegram_accounts().remove(account_id).await?)
}

/// Starts connecting an account to a project. The project needs its bot and
/// its work group first: the account's conversations are mirrored there.
pub async fn start_telegram_login(engine: &Engine, start: LoginStart) -> ApiResult<LoginAttempt> {
    let project = engine.projects().project(start.project_id).await?;
    if project.bot.is_none() {
        return Err(Error::invalid(
            "connect the project's bot first: the account's conversations go to its work group",
        )
        .into());
    }
    if project.work_group.is_none() {
        return Err(Error::invalid(
            "bind the project's work group first: the account's conversations are mirrored there",
        )
        .into());
    }
    Ok(engine.telegram_accounts().start_login(start).await?)
}

pub async fn telegram_login(engine: &Engine, login_id: String) -> ApiResult<LoginAttempt> {
    Ok(engine.telegram_accounts().login(&login_id)?)
}

/// The two-step verification password, while the login asks for it.
pub async fn telegram_login_password(
    engine: &Engine,
    login_id: String,
    password: String,
) -> ApiResult<LoginAttempt> {
    Ok(engine
        .telegram_accounts()
        .login_password(&login_id, password)
        .await?)
}

/// The code Telegram sent, in a phone login.
pub async fn telegram_login_code(
    engine: &Engine,
    login_id: String,
    code: String,
) -> ApiResult<LoginAttempt> {
    Ok(engine
        .telegram_accounts()
        .login_code(&login_id, code)
        .await?)
}

pub async fn cancel_telegram_login(engine: &Engine, login_id: String) -> ApiResult<()> {
    engine.telegram_accounts().cancel_login(&login_id);
    Ok(())
}
