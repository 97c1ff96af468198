-- 0018 uploads: national upload batches and the national system's answers (SQLite). Keep in step
-- with ../postgres/0018_uploads.sql. See docs/upload.md.
-- A batch holds one item per record and form (附件1 for a migrant child, 附件2 for a left-behind
-- one) at the version uploaded; a record is due again when it changes (a newer version) or when
-- the national system returned it. The reason of a return is sealed like the record.

CREATE TABLE upload_batches (
    id         INTEGER PRIMARY KEY,
    number     TEXT NOT NULL UNIQUE,        -- SB<region>-<yyyymmdd>-<nn>
    region     TEXT NOT NULL,               -- the division the batch covers ('' the whole database)
    scope      TEXT NOT NULL,               -- the maker's jurisdiction ('' the operator's)
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    records    INTEGER NOT NULL,
    form1      INTEGER NOT NULL,
    form2      INTEGER NOT NULL,
    digest     TEXT NOT NULL DEFAULT ''     -- SM3 of the file written
);

CREATE TABLE upload_items (
    batch_id    INTEGER NOT NULL REFERENCES upload_batches (id),
    seq         INTEGER NOT NULL,           -- 批次序号
    child_id    INTEGER NOT NULL REFERENCES children (id),
    form        INTEGER NOT NULL CHECK (form IN (1, 2)),
    version     INTEGER NOT NULL,
    region      TEXT NOT NULL,              -- the record's division for this form (residence / hukou)
    result      TEXT NOT NULL DEFAULT 'pending' CHECK (result IN ('pending', 'accepted', 'returned')),
    reason      BLOB,
    answered_at TEXT,
    answered_by TEXT,
    PRIMARY KEY (batch_id, seq)
);
CREATE INDEX upload_items_child ON upload_items (child_id, form);

-- Releases (数据发布, docs/releases.md): a statistician's draft of chosen standard tables, the
-- suppressed figures computed once (content, JSON) and hashed (SM3, digest); the departments whose
-- data it holds sign off or object; civil affairs and statistics approve; published, it never
-- changes; withdrawn, it stays listed.
CREATE TABLE releases (
    id          INTEGER PRIMARY KEY,
    uid         TEXT NOT NULL UNIQUE,
    title       TEXT NOT NULL,
    region      TEXT NOT NULL,
    as_of       INTEGER NOT NULL,
    tables      TEXT NOT NULL,              -- JSON list of table keys
    departments TEXT NOT NULL,              -- JSON list of department codes whose sign-off is required
    status      TEXT NOT NULL CHECK (status IN ('review', 'published', 'withdrawn')),
    content     TEXT NOT NULL,              -- the suppressed report (JSON), as hashed
    digest      TEXT NOT NULL,              -- SM3 of content, hex
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    published_by TEXT,
    published_at TEXT,
    withdrawn_by TEXT,
    withdrawn_at TEXT,
    withdraw_reason TEXT
);
CREATE INDEX releases_region ON releases (region);

CREATE TABLE release_signoffs (
    release_id INTEGER NOT NULL REFERENCES releases (id),
    kind       TEXT NOT NULL,               -- dept:<department> or approve:<minzheng|tongji>
    decision   TEXT NOT NULL CHECK (decision IN ('signed', 'objected', 'approved')),
    comment    TEXT NOT NULL DEFAULT '',
    actor      TEXT NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (release_id, kind)
);

-- Periodic bulletins (定期调度通报): the server issues one per campaign and period (month), kept as
-- a numbered document with the progress report it printed and its key figures.
CREATE TABLE bulletins (
    id          INTEGER PRIMARY KEY,
    number      TEXT NOT NULL UNIQUE,
    seq         INTEGER NOT NULL,           -- 第 N 期 of the campaign
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
    region      TEXT NOT NULL,              -- the campaign's region
    period      TEXT NOT NULL,              -- YYYY-MM
    as_of       INTEGER NOT NULL,
    figures     TEXT NOT NULL,              -- key figures (JSON)
    report      TEXT NOT NULL,              -- campaign.Report (JSON), aggregates only
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    UNIQUE (campaign_id, period)
);

-- Upload requests: a reviewer's batch is approved by another reviewer of the jurisdiction before
-- it is made, as an export is (导出审批); the request is used once, by its requester.
CREATE TABLE upload_requests (
    id            INTEGER PRIMARY KEY,
    uid           TEXT NOT NULL UNIQUE,
    requested_by  TEXT NOT NULL,
    scope         TEXT NOT NULL,
    region        TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'used')),
    created_at    TEXT NOT NULL,
    decided_by    TEXT,
    decided_at    TEXT,
    decision_note TEXT,
    batch         TEXT
);
