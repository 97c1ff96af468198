-- 0003 scan index: the answers and division codes in id order. A broad filter's newest matches
-- are found walking this narrow index backwards (about 50 entries a page) instead of the table
-- (2 rows a page). Keep in step with ../postgres/0003_scan_index.sql.
CREATE INDEX children_scan ON children (id, status, key_care, migrant_monitoring, migrant_statistics, left_behind, res_code, hukou_code);
