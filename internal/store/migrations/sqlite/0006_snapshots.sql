-- 0006 snapshots: monthly statistics snapshots and the registry's data version (SQLite).
-- Keep in step with ../postgres/0006_snapshots.sql. See docs/statistics.md.
-- A snapshot holds counts only (stats.Snapshot JSON): no personal data.

CREATE TABLE stats_snapshots (
    month    TEXT    NOT NULL,              -- YYYY-MM, the month counted
    region   TEXT    NOT NULL,              -- natural division code; '' = the whole database
    published INTEGER NOT NULL DEFAULT 0 CHECK (published IN (0, 1)), -- 1: disclosure control applied (SuppressReport), for those who see only published figures
    as_of    INTEGER NOT NULL,              -- yyyymmdd, the last day of the month
    records  INTEGER NOT NULL,              -- records counted (totals.records)
    data     TEXT    NOT NULL,              -- stats.Snapshot JSON
    taken_at TEXT    NOT NULL,
    taken_by TEXT    NOT NULL,
    PRIMARY KEY (month, region, published)
);
CREATE INDEX stats_snapshots_region ON stats_snapshots (region, published, month);

-- The data version: bumped by every write to children (insert, update, reclassification,
-- import), so that a statistics cache knows when its counts may be out of date.
CREATE TABLE stats_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    v  INTEGER NOT NULL
);
INSERT INTO stats_version (id, v) VALUES (1, 0);

CREATE TRIGGER children_stats_version_ins AFTER INSERT ON children
BEGIN
    UPDATE stats_version SET v = v + 1 WHERE id = 1;
END;
CREATE TRIGGER children_stats_version_upd AFTER UPDATE ON children
BEGIN
    UPDATE stats_version SET v = v + 1 WHERE id = 1;
END;
CREATE TRIGGER children_stats_version_del AFTER DELETE ON children
BEGIN
    UPDATE stats_version SET v = v + 1 WHERE id = 1;
END;
