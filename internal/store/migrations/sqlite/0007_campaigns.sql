-- 0007 campaigns: data-collection campaigns (摸排工作) with phases and deadlines per division
-- (SQLite). Keep in step with ../postgres/0007_campaigns.sql. See docs/statistics.md.
-- Progress is counted from the registry when asked; nothing here holds personal data.

CREATE TABLE campaigns (
    id         INTEGER PRIMARY KEY,
    uid        TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    region     TEXT    NOT NULL,            -- natural division code the campaign covers
    starts_on  INTEGER NOT NULL,            -- yyyymmdd
    note       TEXT    NOT NULL DEFAULT '',
    created_at TEXT    NOT NULL,
    created_by TEXT    NOT NULL
);

-- A phase's deadline for the whole campaign (region '') or for one division inside it, which
-- overrides the campaign's for that division and the divisions below.
CREATE TABLE campaign_phases (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
    phase       TEXT    NOT NULL CHECK (phase IN ('collection', 'entry', 'verification')),
    region      TEXT    NOT NULL DEFAULT '',
    deadline    INTEGER NOT NULL,           -- yyyymmdd, the last day of the phase
    PRIMARY KEY (campaign_id, phase, region)
);
