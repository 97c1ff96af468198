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
