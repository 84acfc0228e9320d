//! Accounts on PostgreSQL. These statements name their owner themselves: an
//! account is found by its name before its owner is known. The account's
//! owner row is made with it, its key check sealed under the account's key.

use sqlx::Connection;
use sqlx::Row;
use sqlx::postgres::PgRow;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{PgStore, from_micros, micros, seal_key_check};
use crate::accounts::{Account, AccountRow, Invitation, Role};
use crate::backend::{Accounts, Fut};
use crate::error::StoreError;
use crate::keys::DataKey;

const SELECT: &str = "SELECT owner, name, role, key_by_password, key_by_recovery, created_at, last_seen_at, disabled_at FROM accounts";

fn row_of(r: &PgRow) -> Result<AccountRow, StoreError> {
    let db = |e: sqlx::Error| StoreError::Database(e.to_string());
    let role: String = r.try_get(2).map_err(db)?;
    let at = |m: Option<i64>| m.map(from_micros).transpose();
    Ok(AccountRow {
        account: Account {
            owner: r.try_get(0).map_err(db)?,
            name: r.try_get(1).map_err(db)?,
            role: Role::parse(&role).ok_or_else(|| StoreError::Database(format!("an account has the unknown role {role:?}")))?,
            created_at: from_micros(r.try_get(5).map_err(db)?)?,
            last_seen_at: at(r.try_get(6).map_err(db)?)?,
            disabled_at: at(r.try_get(7).map_err(db)?)?,
        },
        key_by_password: r.try_get(3).map_err(db)?,
        key_by_recovery: r.try_get(4).map_err(db)?,
    })
}

/// How one account is found: by its name (signing in) or by its owner.
enum By<'a> {
    Name(&'a str),
    Owner(Uuid),
}

impl PgStore {
    async fn one_account(&self, clause: &'static str, by: By<'_>) -> Result<Option<AccountRow>, StoreError> {
        let sql = format!("{SELECT} WHERE {clause}");
        let q = sqlx::query(sqlx::AssertSqlSafe(sql));
        let q = match by {
            By::Name(n) => q.bind(n.to_string()),
            By::Owner(o) => q.bind(o),
        };
        let r = q.fetch_optional(&mut *self.conn().await?).await.map_err(self.err())?;
        r.as_ref().map(row_of).transpose()
    }
}

impl Accounts for PgStore {
    fn add_account<'a>(&'a self, row: &'a AccountRow, name_key: &'a str, key: &'a DataKey, invitation: Option<&'a str>) -> Fut<'a, ()> {
        Box::pin(async move {
            let a = &row.account;
            let check = seal_key_check(a.owner, key)?;
            let mut lease = self.conn().await?;
            let mut tx = lease.begin().await.map_err(self.err())?;
            if let Some(hash) = invitation {
                let used = sqlx::query(
                    "UPDATE invitations SET used_at = $1, used_by = $2 WHERE token_hash = $3 AND used_at IS NULL AND expires_at > $1",
                )
                .bind(micros(a.created_at))
                .bind(a.owner)
                .bind(hash)
                .execute(&mut *tx)
                .await
                .map_err(self.err())?;
                if used.rows_affected() != 1 {
                    return Err(StoreError::InvitationInvalid);
                }
            }
            let taken: Option<i32> = sqlx::query_scalar("SELECT 1 FROM accounts WHERE name_key = $1")
                .bind(name_key)
                .fetch_optional(&mut *tx)
                .await
                .map_err(self.err())?;
            if taken.is_some() {
                return Err(StoreError::NameTaken(a.name.clone()));
            }
            sqlx::query("INSERT INTO owners (id, created_at, key_check_sealed) VALUES ($1, $2, $3)")
                .bind(a.owner)
                .bind(micros(a.created_at))
                .bind(check)
                .execute(&mut *tx)
                .await
                .map_err(self.err())?;
            let added = sqlx::query(
                "INSERT INTO accounts (owner, name, name_key, role, key_by_password, key_by_recovery, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(a.owner)
            .bind(&a.name)
            .bind(name_key)
            .bind(a.role.as_str())
            .bind(&row.key_by_password)
            .bind(&row.key_by_recovery)
            .bind(micros(a.created_at))
            .execute(&mut *tx)
            .await;
            match added {
                // Two sign-ups with one name at the same moment: one wins.
                Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("23505") => {
                    return Err(StoreError::NameTaken(a.name.clone()));
                }
                other => other.map_err(self.err())?,
            };
            tx.commit().await.map_err(self.err())?;
            Ok(())
        })
    }

    fn account_by_name<'a>(&'a self, name_key: &'a str) -> Fut<'a, Option<AccountRow>> {
        Box::pin(self.one_account("name_key = $1", By::Name(name_key)))
    }

    fn account_row<'a>(&'a self, owner: Uuid) -> Fut<'a, Option<AccountRow>> {
        Box::pin(self.one_account("owner = $1", By::Owner(owner)))
    }

    fn accounts<'a>(&'a self) -> Fut<'a, Vec<Account>> {
        Box::pin(async move {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} ORDER BY created_at, owner")))
                .fetch_all(&mut *self.conn().await?)
                .await
                .map_err(self.err())?;
            rows.iter().map(|r| row_of(r).map(|x| x.account)).collect()
        })
    }

    fn set_account_key<'a>(&'a self, owner: Uuid, key_by_password: &'a str) -> Fut<'a, bool> {
        Box::pin(async move {
            let done = sqlx::query("UPDATE accounts SET key_by_password = $2 WHERE owner = $1")
                .bind(owner)
                .bind(key_by_password)
                .execute(&mut *self.conn().await?)
                .await
                .map_err(self.err())?;
            Ok(done.rows_affected() == 1)
        })
    }

    fn set_account_disabled<'a>(&'a self, owner: Uuid, at: Option<OffsetDateTime>) -> Fut<'a, bool> {
        Box::pin(async move {
            let mut lease = self.conn().await?;
            let mut tx = lease.begin().await.map_err(self.err())?;
            let done = sqlx::query("UPDATE accounts SET disabled_at = $2 WHERE owner = $1")
                .bind(owner)
                .bind(at.map(micros))
                .execute(&mut *tx)
                .await
                .map_err(self.err())?;
            if at.is_some() {
                sqlx::query("DELETE FROM invitations WHERE created_by = $1 AND used_at IS NULL")
                    .bind(owner)
                    .execute(&mut *tx)
                    .await
                    .map_err(self.err())?;
            }
            tx.commit().await.map_err(self.err())?;
            Ok(done.rows_affected() == 1)
        })
    }

    fn touch_account<'a>(&'a self, owner: Uuid, at: OffsetDateTime) -> Fut<'a, ()> {
        Box::pin(async move {
            sqlx::query("UPDATE accounts SET last_seen_at = $2 WHERE owner = $1")
                .bind(owner)
                .bind(micros(at))
                .execute(&mut *self.conn().await?)
                .await
                .map_err(self.err())?;
            Ok(())
        })
    }

    fn add_invitation<'a>(&'a self, inv: &'a Invitation, token_hash: &'a str) -> Fut<'a, ()> {
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO invitations (id, token_hash, role, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(inv.id)
            .bind(token_hash)
            .bind(inv.role.as_str())
            .bind(inv.created_by)
            .bind(micros(inv.created_at))
            .bind(micros(inv.expires_at))
            .execute(&mut *self.conn().await?)
            .await
            .map_err(self.err())?;
            Ok(())
        })
    }

    fn invitation_by_hash<'a>(&'a self, token_hash: &'a str) -> Fut<'a, Option<Invitation>> {
        Box::pin(async move {
            let r = sqlx::query(sqlx::AssertSqlSafe(format!("{INVITATION} WHERE token_hash = $1")))
                .bind(token_hash)
                .fetch_optional(&mut *self.conn().await?)
                .await
                .map_err(self.err())?;
            r.as_ref().map(invitation_of).transpose()
        })
    }

    fn invitations<'a>(&'a self) -> Fut<'a, Vec<Invitation>> {
        Box::pin(async move {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{INVITATION} ORDER BY created_at DESC, id DESC")))
                .fetch_all(&mut *self.conn().await?)
                .await
                .map_err(self.err())?;
            rows.iter().map(invitation_of).collect()
        })
    }

    fn delete_invitation<'a>(&'a self, id: Uuid) -> Fut<'a, bool> {
        Box::pin(async move {
            let done = sqlx::query("DELETE FROM invitations WHERE id = $1 AND used_at IS NULL")
                .bind(id)
                .execute(&mut *self.conn().await?)
                .await
                .map_err(self.err())?;
            Ok(done.rows_affected() == 1)
        })
    }
}

const INVITATION: &str = "SELECT id, role, created_by, created_at, expires_at, used_at, used_by FROM invitations";

fn invitation_of(r: &PgRow) -> Result<Invitation, StoreError> {
    let db = |e: sqlx::Error| StoreError::Database(e.to_string());
    let role: String = r.try_get(1).map_err(db)?;
    let at = |m: Option<i64>| m.map(from_micros).transpose();
    Ok(Invitation {
        id: r.try_get(0).map_err(db)?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Database(format!("an invitation has the unknown role {role:?}")))?,
        created_by: r.try_get(2).map_err(db)?,
        created_at: from_micros(r.try_get(3).map_err(db)?)?,
        expires_at: from_micros(r.try_get(4).map_err(db)?)?,
        used_at: at(r.try_get(5).map_err(db)?)?,
        used_by: r.try_get(6).map_err(db)?,
    })
}
