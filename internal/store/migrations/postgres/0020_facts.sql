-- 0020 facts: the statistics projection. The record without what identifies a person
-- (child.Record.WithoutIdentity: codes, dates and division codes only, as JSON), kept plain beside
-- the sealed record and written with it, so that statistics for any as-of date, region or
-- cross-tab classify the records again without decrypting one (EachRecord). Rows written before
-- it keep NULL until the server's start-up backfill; until then they are read from the record.
-- Keep in step with ../sqlite/0020_facts.sql.
ALTER TABLE children ADD COLUMN facts BYTEA;
