-- 0005 accounts: users, sessions and the audit trail (SQLite). Keep in step with
-- ../postgres/0005_accounts.sql. See docs/security.md.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,            -- the staff member's name
    department    TEXT NOT NULL,
    org_code      TEXT NOT NULL,            -- natural-length division code of the org unit
    roles         TEXT NOT NULL,            -- ,collector,reviewer,
    password_hash TEXT NOT NULL,            -- argon2id, PHC string
    password_changed_at TEXT NOT NULL,
    password_history    TEXT NOT NULL DEFAULT '[]', -- previous hashes, newest first (JSON)
    must_change_password INTEGER NOT NULL DEFAULT 1,
    mfa_enrolled  INTEGER NOT NULL DEFAULT 0,
    totp_secret   BLOB,                     -- SM4-GCM, aad users.totp:<id>
    totp_pending  BLOB,                     -- SM4-GCM, aad users.totp_pending:<id>
    totp_last_step INTEGER NOT NULL DEFAULT 0,
    recovery_codes TEXT NOT NULL DEFAULT '[]', -- SM3 hashes of the unused codes (JSON)
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  TEXT,
    last_login_at TEXT,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,            -- SM3 of the cookie's token; the token itself is never stored
    user_id    INTEGER NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    ip         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

-- The audit trail: append-only (the triggers refuse UPDATE and DELETE), each entry chained to
-- the previous one by SM3 (internal/audit).
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    object    TEXT NOT NULL DEFAULT '',
    detail    TEXT NOT NULL DEFAULT '{}',
    ip        TEXT NOT NULL DEFAULT '',
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_object ON audit_log (object, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);

CREATE TABLE audit_checkpoints (
    seq  INTEGER PRIMARY KEY,
    hash TEXT NOT NULL,
    at   TEXT NOT NULL
);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
