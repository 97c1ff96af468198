-- 0008 exports: record-level export requests and their approval (SQLite). Keep in step with
-- ../postgres/0008_exports.sql. See docs/security.md (导出审批).

CREATE TABLE export_requests (
    id           INTEGER PRIMARY KEY,
    uid          TEXT NOT NULL UNIQUE,
    requested_by TEXT NOT NULL,             -- user:<name>
    scope        TEXT NOT NULL,             -- the requester's org unit (division code)
    criteria     TEXT NOT NULL,             -- the query (JSON; names and ID numbers are not criteria here)
    purpose      TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'downloaded')),
    created_at   TEXT NOT NULL,
    decided_by   TEXT,
    decided_at   TEXT,
    decision_note TEXT,
    downloaded_at TEXT,
    records      INTEGER
);
CREATE INDEX export_requests_status ON export_requests (status, scope);
