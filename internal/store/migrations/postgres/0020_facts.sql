-- 0020 the statistics projection: for each child, its facts — the record without what
-- identifies a person (child.Record.AppendFacts: codes, dates, division codes, yes/no answers
-- and sets, about 150 bytes) — plain, in a narrow table of its own beside the sealed record, with
-- the columns that bound a read by status and jurisdiction. Statistics for any as-of date,
-- region or cross-tab classify the records again from these rows without decrypting a record or
-- reading the wide children rows. The store writes a row with every write of a record (flush);
-- a status change outside it is followed by the trigger. Children written before this migration
-- get theirs from the server's start-up backfill; until then they are read from the record.
-- Keep in step with ../sqlite/0020_facts.sql.
CREATE TABLE child_facts (
    id         BIGINT PRIMARY KEY REFERENCES children(id) ON DELETE CASCADE,
    status     TEXT NOT NULL,
    res_code   TEXT,
    hukou_code TEXT,
    facts      BYTEA NOT NULL
);

CREATE FUNCTION child_facts_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE child_facts SET status = NEW.status WHERE id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER child_facts_status AFTER UPDATE OF status ON children
    FOR EACH ROW EXECUTE FUNCTION child_facts_status();

-- A database without children has every child's facts: EachRecord reads child_facts alone.
INSERT INTO meta (key, value) SELECT 'facts_complete', '1' WHERE NOT EXISTS (SELECT 1 FROM children);
