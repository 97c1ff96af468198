-- 0013 batch owner (PostgreSQL). Keep in step with ../sqlite/0013_batch_owner.sql.
-- Who may see an import batch and its rejected rows (docs/security.md): the org unit and the
-- department of the account that uploaded it. A department officer uploads its own department's
-- rosters; civil affairs may upload for a department, which department names. Batches recorded
-- before this migration carry no org unit: only their uploader and the command line see them.
-- alive_at is the import's heartbeat: a batch still "running" whose heartbeat stopped belonged to
-- a process that died (kill -9, power loss) and is marked failed (store.RecoverBatches).
ALTER TABLE import_batches ADD COLUMN org_code TEXT COLLATE "C";
ALTER TABLE import_batches ADD COLUMN org_department TEXT;
ALTER TABLE import_batches ADD COLUMN alive_at TIMESTAMPTZ;
CREATE INDEX import_batches_org ON import_batches (kind, org_code);
CREATE INDEX import_batches_running ON import_batches (id) WHERE status = 'running';
