-- 0001 init: the registry of children (SQLite). Keep in step with ../postgres/0001_init.sql.
-- Personal data live only inside the sealed columns (record, diff, note, reason, cells, issues);
-- the plain columns hold codes, dates and division codes for search and statistics.
-- Instants are UTC text 'YYYY-MM-DDTHH:MM:SS.mmmZ'; calendar dates are yyyymmdd integers.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE children (
    id      INTEGER PRIMARY KEY,
    uid     TEXT    NOT NULL UNIQUE,
    status  TEXT    NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'uploaded', 'returned', 'archived')),
    version INTEGER NOT NULL CHECK (version >= 1),
    synthetic INTEGER NOT NULL DEFAULT 0,
    record  BLOB    NOT NULL,              -- SM4-GCM(canonical JSON of child.Record), aad children.record:<uid>

    id_bidx     TEXT,                       -- HMAC-SM3 of the child's ID number
    person_bidx TEXT,                       -- HMAC-SM3 of name|birth date|sex

    sex        TEXT,
    birth_date INTEGER,
    ethnicity  TEXT,
    hukou_registered INTEGER,

    res_code       TEXT,                    -- residence division code as given (6, 9 or 12 digits)
    res_province   TEXT,
    res_prefecture TEXT,
    res_county     TEXT,
    res_township   TEXT,
    res_village    TEXT,
    hukou_code       TEXT,
    hukou_province   TEXT,
    hukou_prefecture TEXT,
    hukou_county     TEXT,
    hukou_township   TEXT,
    hukou_village    TEXT,

    co_residents           TEXT,
    residence_registration TEXT,
    housing                TEXT,
    father_migrant_worker  INTEGER,
    father_work_province   TEXT,
    father_capacity        TEXT,
    mother_migrant_worker  INTEGER,
    mother_work_province   TEXT,
    mother_capacity        TEXT,
    caregiver_relation     TEXT,
    guardianship_quality   TEXT,
    guardianship_issue     TEXT,

    school_stage TEXT,
    study_status TEXT,
    boarding     INTEGER,

    health                 TEXT,            -- sets: ',a,b,'; '' = none; NULL = not known
    health_mgmt_0_6        TEXT,
    tcm_mgmt_0_36m         TEXT,
    medical_insurance      TEXT,
    disability_types       TEXT,
    disability_grade       TEXT,
    disability_certificate INTEGER,
    rehabilitation         INTEGER,
    family_hardship        TEXT,
    assistance             TEXT,
    vagrant                INTEGER,
    help_requested         INTEGER,

    collection_method TEXT,
    reporting_unit    TEXT,
    report_date       INTEGER,

    migrant_monitoring TEXT NOT NULL CHECK (migrant_monitoring IN ('yes', 'no', 'undetermined')),
    migrant_statistics TEXT NOT NULL CHECK (migrant_statistics IN ('yes', 'no', 'undetermined')),
    left_behind        TEXT NOT NULL CHECK (left_behind IN ('yes', 'no', 'undetermined')),
    key_care           TEXT NOT NULL CHECK (key_care IN ('yes', 'no', 'undetermined')),
    key_care_reasons   TEXT NOT NULL DEFAULT '',
    age                INTEGER,
    reasons            TEXT NOT NULL DEFAULT '[]',
    missing            TEXT NOT NULL DEFAULT '[]',
    warnings           TEXT NOT NULL DEFAULT '[]',
    rule_version       TEXT NOT NULL,
    rule_config        TEXT NOT NULL,
    classified_on      INTEGER NOT NULL,
    next_check         INTEGER,             -- first date on which the answers can change by time alone

    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE INDEX children_id_bidx ON children (id_bidx) WHERE id_bidx IS NOT NULL;
CREATE INDEX children_person_bidx ON children (person_bidx);
CREATE INDEX children_res ON children (res_code, status);
CREATE INDEX children_hukou ON children (hukou_code, status);
CREATE INDEX children_status ON children (status, res_code);
CREATE INDEX children_key_care_res ON children (key_care, res_code, status);
CREATE INDEX children_key_care_hukou ON children (key_care, hukou_code, status);
CREATE INDEX children_migrant_res ON children (migrant_monitoring, res_code, status);
CREATE INDEX children_left_behind_hukou ON children (left_behind, hukou_code, status);
CREATE INDEX children_next_check ON children (next_check) WHERE status <> 'archived';

-- Blind indexes with several values per child: name, name pinyin (full and initials, every
-- reading of a heteronym), parents' and guardians' ID numbers. An index derived from the sealed
-- records and kept by the store; no foreign key, to spare the bulk import a check per row (rows
-- of children are never deleted).
CREATE TABLE child_keys (
    bidx     TEXT    NOT NULL,
    child_id INTEGER NOT NULL,
    kind     TEXT    NOT NULL,
    PRIMARY KEY (bidx, child_id)
) WITHOUT ROWID;

CREATE TABLE import_batches (
    id          INTEGER PRIMARY KEY,
    uid         TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('children', 'roster')),
    department  TEXT,
    roster      TEXT,                       -- file or roster name
    roster_date INTEGER,
    file_sha256 TEXT,
    headers     TEXT NOT NULL DEFAULT '[]', -- column headers of the file (JSON)
    status      TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    actor       TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    rows_total  INTEGER NOT NULL DEFAULT 0,
    imported    INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL DEFAULT 0,
    unchanged   INTEGER NOT NULL DEFAULT 0,
    rejected    INTEGER NOT NULL DEFAULT 0,
    unmatched   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE child_versions (
    child_id    INTEGER NOT NULL REFERENCES children (id),
    version     INTEGER NOT NULL,
    status      TEXT    NOT NULL,
    record      BLOB    NOT NULL,           -- aad child_versions.record:<uid>:<version>
    diff        BLOB,                       -- [{path, old, new}], aad child_versions.diff:<uid>:<version>
    fields      TEXT    NOT NULL DEFAULT '',-- changed paths, comma-separated (no values)
    actor       TEXT    NOT NULL,
    at          TEXT    NOT NULL,
    source_kind TEXT    NOT NULL CHECK (source_kind IN ('entry', 'import', 'roster')),
    department  TEXT,
    roster      TEXT,
    row_no      INTEGER,
    roster_date INTEGER,
    batch_id    INTEGER REFERENCES import_batches (id),
    note        BLOB,                       -- why, free text, aad child_versions.note:<uid>:<version>
    PRIMARY KEY (child_id, version)
);

CREATE TABLE child_transitions (
    id          INTEGER PRIMARY KEY,
    child_id    INTEGER NOT NULL REFERENCES children (id),
    from_status TEXT    NOT NULL,
    to_status   TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    at          TEXT    NOT NULL,
    reason      BLOB                        -- aad child_transitions.reason:<uid>:<at unix ms>
);
CREATE INDEX child_transitions_child ON child_transitions (child_id);

CREATE TABLE provenance (
    id          INTEGER PRIMARY KEY,
    child_id    INTEGER NOT NULL REFERENCES children (id),
    version     INTEGER NOT NULL,
    field       TEXT    NOT NULL,           -- JSON path; '*' = the whole record at creation
    source_kind TEXT    NOT NULL CHECK (source_kind IN ('entry', 'import', 'roster')),
    department  TEXT,
    roster      TEXT,
    row_no      INTEGER,
    roster_date INTEGER,
    batch_id    INTEGER REFERENCES import_batches (id),
    at          TEXT    NOT NULL
);
CREATE INDEX provenance_child ON provenance (child_id, field);

CREATE TABLE import_rows (
    batch_id INTEGER NOT NULL REFERENCES import_batches (id),
    seq      INTEGER NOT NULL,              -- position in the batch, from 1
    row_no   INTEGER NOT NULL,              -- row number in the file as the user sees it
    outcome  TEXT    NOT NULL CHECK (outcome IN ('imported', 'updated', 'unchanged', 'rejected', 'unmatched')),
    child_id INTEGER REFERENCES children (id),
    version  INTEGER,
    codes    TEXT    NOT NULL DEFAULT '',   -- field:code of the errors, comma-separated (no values)
    issues   BLOB,                          -- errors and warnings, aad import_rows.issues:<batch>:<seq>
    cells    BLOB,                          -- original cells of a rejected row, aad import_rows.cells:<batch>:<seq>
    PRIMARY KEY (batch_id, seq)
);

CREATE TABLE review_queue (
    id          INTEGER PRIMARY KEY,
    child_id    INTEGER NOT NULL REFERENCES children (id),
    kind        TEXT    NOT NULL CHECK (kind IN ('no_longer_qualifies', 'newly_qualifies')),
    detail      TEXT    NOT NULL,           -- answers before and after (JSON, codes only)
    as_of       INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    resolved_at TEXT,
    resolved_by TEXT,
    resolution  BLOB                        -- note, aad review_queue.resolution:<id>
);
CREATE INDEX review_queue_child ON review_queue (child_id);
CREATE INDEX review_queue_open ON review_queue (created_at) WHERE resolved_at IS NULL;
