-- 0015 key-care ledger (SQLite). Keep in step with ../postgres/0015_ledger.sql.
-- 重点关爱服务对象信息台账 (issue 14): one entry per child, opened when the child's key care
-- becomes yes, flagged when it becomes no, reopened when the child qualifies again. The entry is
-- addressed by its child's uid. Free text (assessment, findings, requests, answers, notes,
-- attachments) is sealed like the record; codes, dates and division codes are plain.
CREATE TABLE ledger_entries (
    id           INTEGER PRIMARY KEY,
    child_id     INTEGER NOT NULL UNIQUE REFERENCES children (id),
    region_code  TEXT,                       -- responsible division: residence if migrant, else hukou
    status       TEXT    NOT NULL CHECK (status IN ('assess', 'active', 'closing', 'closed')),
    flagged      INTEGER NOT NULL DEFAULT 0, -- 1: key care is no longer yes, awaiting the reviewer
    flagged_on   INTEGER,
    opened_on    INTEGER NOT NULL,           -- entry date (YYYYMMDD)
    reopened     INTEGER NOT NULL DEFAULT 0, -- times reopened
    risk         TEXT CHECK (risk IN ('general', 'elevated', 'high')),
    needs        TEXT,                       -- set: ,living,education,
    director     TEXT,                       -- 责任人 (the village child director)
    cadre        TEXT,                       -- 包联干部
    assessment   BLOB,                       -- aad ledger.assessment:<id>
    assessed_at  TEXT,
    assessed_by  TEXT,
    next_visit   INTEGER,
    last_visit   INTEGER,
    first_visit  INTEGER,
    close_reason TEXT CHECK (close_reason IN ('resolved', 'age', 'moved', 'other')),
    close_note   BLOB,                       -- aad ledger.close:<id>
    close_requested_by TEXT,
    close_requested_at TEXT,
    closed_by    TEXT,
    closed_at    TEXT,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL
);
CREATE INDEX ledger_entries_region ON ledger_entries (region_code, status);
CREATE INDEX ledger_entries_due ON ledger_entries (next_visit) WHERE status <> 'closed';

CREATE TABLE ledger_measures (
    id          INTEGER PRIMARY KEY,
    entry_id    INTEGER NOT NULL REFERENCES ledger_entries (id),
    measure     TEXT    NOT NULL,
    department  TEXT    NOT NULL,
    start_on    INTEGER,
    end_on      INTEGER,
    amount      REAL,                        -- yuan, when the assistance is money
    given       BLOB,                        -- aad ledger.measure:<id>: the assistance actually given
    created_at  TEXT    NOT NULL,
    created_by  TEXT    NOT NULL
);
CREATE INDEX ledger_measures_entry ON ledger_measures (entry_id);

CREATE TABLE ledger_visits (
    id          INTEGER PRIMARY KEY,
    entry_id    INTEGER NOT NULL REFERENCES ledger_entries (id),
    visited_on  INTEGER NOT NULL,
    mode        TEXT    NOT NULL CHECK (mode IN ('home', 'phone', 'video', 'school')),
    visitor     TEXT    NOT NULL,
    detail      BLOB,                        -- aad ledger.visit:<id>: findings and situation
    next_due    INTEGER,
    created_at  TEXT    NOT NULL,
    created_by  TEXT    NOT NULL
);
CREATE INDEX ledger_visits_entry ON ledger_visits (entry_id, visited_on);

CREATE TABLE ledger_referrals (
    id          INTEGER PRIMARY KEY,
    entry_id    INTEGER NOT NULL REFERENCES ledger_entries (id),
    department  TEXT    NOT NULL,
    request     BLOB    NOT NULL,            -- aad ledger.referral:<id>
    deadline    INTEGER NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('waiting', 'accepted', 'returned')),
    answer      BLOB,                        -- aad ledger.answer:<id>
    answered_at TEXT,
    answered_by TEXT,
    created_at  TEXT    NOT NULL,
    created_by  TEXT    NOT NULL
);
CREATE INDEX ledger_referrals_entry ON ledger_referrals (entry_id);
CREATE INDEX ledger_referrals_dept ON ledger_referrals (department, status);

CREATE TABLE ledger_events (
    id          INTEGER PRIMARY KEY,
    entry_id    INTEGER NOT NULL REFERENCES ledger_entries (id),
    at          TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    detail      TEXT    NOT NULL              -- JSON of codes, never personal data
);
CREATE INDEX ledger_events_entry ON ledger_events (entry_id, id);

CREATE TABLE ledger_attachments (
    id          INTEGER PRIMARY KEY,
    entry_id    INTEGER NOT NULL REFERENCES ledger_entries (id),
    visit_id    INTEGER REFERENCES ledger_visits (id),
    mime        TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    name        BLOB    NOT NULL,            -- aad ledger.attachment.name:<id>
    data        BLOB    NOT NULL,            -- aad ledger.attachment:<id>
    created_at  TEXT    NOT NULL,
    created_by  TEXT    NOT NULL
);
CREATE INDEX ledger_attachments_entry ON ledger_attachments (entry_id);

-- The children who are key care already enter the ledger, their first visit due at once.
INSERT INTO ledger_entries (child_id, region_code, status, opened_on, next_visit, created_at, updated_at)
SELECT id, CASE WHEN migrant_statistics = 'yes' OR migrant_monitoring = 'yes' THEN res_code ELSE hukou_code END,
       'assess', coalesce(classified_on, 19700101), coalesce(classified_on, 19700101), updated_at, updated_at
  FROM children WHERE key_care = 'yes' AND status <> 'archived';
