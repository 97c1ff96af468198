-- 0006 snapshots: monthly statistics snapshots and the registry's data version (PostgreSQL).
-- Keep in step with ../sqlite/0006_snapshots.sql. See docs/statistics.md.
-- A snapshot holds counts only (stats.Snapshot JSON): no personal data.

CREATE TABLE stats_snapshots (
    month    TEXT    COLLATE "C" NOT NULL,  -- YYYY-MM, the month counted
    region   TEXT    COLLATE "C" NOT NULL,  -- natural division code; '' = the whole database
    published BOOLEAN NOT NULL DEFAULT FALSE, -- 1: disclosure control applied (SuppressReport), for those who see only published figures
    as_of    INTEGER NOT NULL,              -- yyyymmdd, the last day of the month
    records  BIGINT  NOT NULL,              -- records counted (totals.records)
    data     TEXT    NOT NULL,              -- stats.Snapshot JSON
    taken_at TIMESTAMPTZ NOT NULL,
    taken_by TEXT    NOT NULL,
    PRIMARY KEY (month, region, published)
);
CREATE INDEX stats_snapshots_region ON stats_snapshots (region, published, month);

-- The data version: bumped by every statement that writes children (insert, update,
-- reclassification, COPY of an import). A sequence, not a row: writers never wait on it.
-- The table mirrors SQLite's so that both dialects create the same tables.
CREATE TABLE stats_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    v  BIGINT NOT NULL
);
INSERT INTO stats_version (id, v) VALUES (1, 0);
CREATE SEQUENCE stats_version_seq;

CREATE FUNCTION children_stats_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('stats_version_seq');
    RETURN NULL;
END;
$$;
CREATE TRIGGER children_stats_version AFTER INSERT OR UPDATE OR DELETE ON children
    FOR EACH STATEMENT EXECUTE FUNCTION children_stats_version();
