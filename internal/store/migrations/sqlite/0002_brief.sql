-- 0002 brief: the name and ID number sealed apart from the record, so that a list screen opens
-- 60 bytes per child instead of the whole record. Rows written before it keep NULL and are read
-- from the record. Keep in step with ../postgres/0002_brief.sql.
ALTER TABLE children ADD COLUMN brief BLOB; -- SM4-GCM({name, id_number}), aad children.brief:<uid>
