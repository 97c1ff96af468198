-- 0014 register kept current (SQLite). Keep in step with ../postgres/0014_register_current.sql.
-- The re-evaluation queue says why an item was queued (cause: the reasons of the answers that
-- moved, or the change of rules) and how it was worked (outcome: confirmed, or archived with a
-- reason of 不再符合条件).
ALTER TABLE review_queue ADD COLUMN cause TEXT;
ALTER TABLE review_queue ADD COLUMN outcome TEXT;
-- Hand-over of a child between divisions (迁出 / 迁入): asked by the holding division or by the
-- receiving one, decided by the receiving division's reviewer. The record moves only on accept.
CREATE TABLE handovers (
    id           INTEGER PRIMARY KEY,
    child_id     INTEGER NOT NULL REFERENCES children (id),
    from_code    TEXT NOT NULL,       -- residence division holding the child when asked
    to_code      TEXT NOT NULL,       -- receiving division (12-digit community or coarser)
    direction    TEXT NOT NULL CHECK (direction IN ('out', 'in')), -- 迁出 asked by the holder, 申请迁入 by the receiver
    status       TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'refused', 'cancelled')),
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    decided_by   TEXT,
    decided_at   TEXT,
    note         BLOB                -- sealed, aad handovers.note:<id>
);
CREATE INDEX handovers_child ON handovers (child_id);
CREATE INDEX handovers_open ON handovers (to_code) WHERE status = 'pending';
-- The daily re-evaluation looks up the records due (next_check) and those classified under other
-- rules (rule_config) by index, whatever the size of the register.
CREATE INDEX children_rule_config ON children (rule_config) WHERE status <> 'archived';
