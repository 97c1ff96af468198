-- 0009 verifications: lists of children sent to a department to check and fill in (核查名单),
-- and what came back (SQLite). Keep in step with ../postgres/0009_verifications.sql. See
-- docs/rosters.md (核查往返). The lists hold no personal data in clear: children by id, the
-- note sealed; the file itself is made on download and never stored.

CREATE TABLE verifications (
    id          INTEGER PRIMARY KEY,
    uid         TEXT    NOT NULL UNIQUE,
    code        TEXT    NOT NULL UNIQUE,    -- the 6 characters of its tokens (HC<code>-0001)
    department  TEXT    NOT NULL,
    region      TEXT    NOT NULL DEFAULT '', -- division the list covers; '' = the whole registry
    kind        TEXT    NOT NULL DEFAULT '', -- '' = the department's population, else a discrepancy kind
    note        BLOB,                       -- aad verifications.note:<uid>
    created_by  TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    count       INTEGER NOT NULL
);
CREATE INDEX verifications_department ON verifications (department, id);

-- One child of a list. The token (核查编号) travels in the file and back: an answered row is
-- linked to its child without matching.
CREATE TABLE verification_items (
    verification_id INTEGER NOT NULL REFERENCES verifications (id),
    seq             INTEGER NOT NULL,
    child_id        INTEGER NOT NULL REFERENCES children (id),
    token           TEXT    NOT NULL UNIQUE,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'answered', 'not_found')),
    roster_row_id   INTEGER REFERENCES roster_rows (id), -- the row that answered
    answered_at     TEXT,
    PRIMARY KEY (verification_id, seq)
);
CREATE INDEX verification_items_child ON verification_items (child_id);
