-- 0004 rosters: department rosters matched to the registry, discrepancies and home-visit leads
-- (SQLite). Keep in step with ../postgres/0004_rosters.sql. See docs/rosters.md.
-- Personal data of a roster row (names, ID numbers, addresses, school, certificate numbers) live
-- only in the sealed columns; the plain ones hold codes, dates, division codes, scores and the
-- per-field levels and weights of the match (never values).

CREATE TABLE roster_rows (
    id           INTEGER PRIMARY KEY,
    batch_id     INTEGER NOT NULL REFERENCES import_batches (id),
    department   TEXT    NOT NULL,
    row_no       INTEGER NOT NULL,
    roster_date  INTEGER,
    row_bidx     TEXT,                      -- HMAC-SM3 of department + the row as read: the same row again
    first_seen   INTEGER NOT NULL DEFAULT 1, -- 0 when an earlier import of the department had the same row
    id_bidx      TEXT,                      -- HMAC-SM3 of the child's ID number (as children.id_bidx)
    person_bidx  TEXT,                      -- HMAC-SM3 of name|birth date|sex (as children.person_bidx)
    outcome      TEXT    NOT NULL CHECK (outcome IN ('updated', 'unchanged', 'review', 'unmatched', 'rejected', 'failed')),
    child_id     INTEGER REFERENCES children (id),  -- the child the row is linked to
    candidate_id INTEGER REFERENCES children (id),  -- the best candidate (also for review and no match)
    score        REAL,
    method       TEXT,                      -- id, id_fuzzy, probabilistic
    decision     TEXT,                      -- link, review, no_match, none
    weights      TEXT,                      -- [{field, level, weight, sibling_weight}] (JSON, no values)
    review       TEXT CHECK (review IN ('pending', 'accepted', 'rejected')),
    reviewed_by  TEXT,
    reviewed_at  TEXT,
    version      INTEGER,                   -- the child's version after the row was applied
    fields       TEXT    NOT NULL DEFAULT '', -- paths the row filled (no values)
    res_code     TEXT,                      -- division code of the row's residence address
    birth_date   INTEGER,
    sex          TEXT,
    codes        TEXT    NOT NULL DEFAULT '', -- field:code of the errors (no values)
    data         BLOB,                      -- the row as read (roster.Record JSON), aad roster_rows.data:<batch>:<row>
    cells        BLOB,                      -- original cells of a rejected row, aad roster_rows.cells:<batch>:<row>
    issues       BLOB                       -- errors and warnings, aad roster_rows.issues:<batch>:<row>
);
CREATE INDEX roster_rows_batch ON roster_rows (batch_id, row_no);
CREATE INDEX roster_rows_bidx ON roster_rows (department, row_bidx);
CREATE INDEX roster_rows_child ON roster_rows (child_id, department);
CREATE INDEX roster_rows_pending ON roster_rows (id) WHERE review = 'pending';

-- The children each department's rosters name, with the latest row: what the discrepancy
-- reports ("in no school roster") look up.
CREATE TABLE roster_links (
    child_id    INTEGER NOT NULL REFERENCES children (id),
    department  TEXT    NOT NULL,
    row_id      INTEGER NOT NULL REFERENCES roster_rows (id),
    roster_date INTEGER,
    linked_at   TEXT    NOT NULL,
    PRIMARY KEY (child_id, department)
);
CREATE INDEX roster_links_department ON roster_links (department, child_id);

-- A roster fact that contradicts the record: never applied, kept for review. The same
-- contradiction found again (a re-import) is not repeated.
CREATE TABLE discrepancies (
    id          INTEGER PRIMARY KEY,
    uid         TEXT    NOT NULL UNIQUE,
    child_id    INTEGER NOT NULL REFERENCES children (id),
    department  TEXT    NOT NULL,
    field       TEXT    NOT NULL,           -- DATA.md path
    value_bidx  TEXT    NOT NULL,           -- HMAC-SM3 of the two values
    row_id      INTEGER NOT NULL REFERENCES roster_rows (id),
    detail      BLOB    NOT NULL,           -- {label, record, roster}, aad discrepancies.detail:<uid>
    status      TEXT    NOT NULL CHECK (status IN ('open', 'resolved')),
    created_at  TEXT    NOT NULL,
    resolved_at TEXT,
    resolved_by TEXT,
    resolution  BLOB                        -- note, aad discrepancies.resolution:<uid>
);
CREATE UNIQUE INDEX discrepancies_key ON discrepancies (child_id, department, field, value_bidx);
CREATE INDEX discrepancies_open ON discrepancies (status, child_id);

-- Home-visit leads: roster children under 16 whom the registry does not hold and whose data
-- suggest a migrant or left-behind child, assigned to the division of the address.
CREATE TABLE leads (
    id          INTEGER PRIMARY KEY,
    uid         TEXT    NOT NULL UNIQUE,
    person_key  TEXT    NOT NULL,           -- HMAC-SM3 of the ID number, else name|birth|sex: one open lead per child
    row_id      INTEGER NOT NULL REFERENCES roster_rows (id),
    department  TEXT    NOT NULL,
    region_code TEXT,                       -- division the lead is assigned to
    reasons     TEXT    NOT NULL,           -- ,flag_migrant,hukou_elsewhere,
    birth_date  INTEGER,
    sex         TEXT,
    status      TEXT    NOT NULL CHECK (status IN ('open', 'closed')),
    outcome     TEXT CHECK (outcome IN ('registered', 'not_eligible', 'not_found')),
    child_id    INTEGER REFERENCES children (id), -- the record registered from the lead
    created_at  TEXT    NOT NULL,
    outcome_at  TEXT,
    outcome_by  TEXT,
    note        BLOB                        -- aad leads.note:<uid>
);
CREATE INDEX leads_region ON leads (region_code, status);
CREATE INDEX leads_person ON leads (person_key, status);
