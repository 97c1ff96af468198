-- 0010 permit expiry: the 有效期至 of a police roster row's residence permit, as a date number
-- (child.Date), so that permits expired or about to expire can be listed by division
-- (discrepancy kind permit_expiring). Keep in step with ../postgres/0010_permit_expiry.sql.
ALTER TABLE roster_rows ADD COLUMN permit_expires INTEGER;
