-- 0011 audit key: the audit chain is keyed (HMAC-SM3 under an audit key of the key file) from
-- the next entry on. Keep in step with ../sqlite/0011_audit_key.sql. See docs/security.md.
--
-- key_id names the audit key of an entry; '' for the entries written before, whose hash is plain
-- SM3. audit_keyed_from is the seq of the first keyed entry: verify refuses a plain entry from
-- there on, so that a chain rewritten without the key is found. audit_chain identifies this
-- database's chain in the anchor file outside it. Adding a column fires no row trigger: the
-- append-only trigger of 0005 stays as it is. ALTER TABLE holds audit_log exclusively until the
-- migration commits, so no entry is appended between reading max(seq) and the commit.
ALTER TABLE audit_log ADD COLUMN key_id TEXT NOT NULL DEFAULT '';
INSERT INTO meta (key, value) SELECT 'audit_keyed_from', (coalesce(max(seq), 0) + 1)::text FROM audit_log;
INSERT INTO meta (key, value) VALUES ('audit_chain', substr(md5(random()::text || clock_timestamp()::text), 1, 16));
