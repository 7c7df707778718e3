-- Retention without full scans: dismissed cases remember whether their content was purged
-- (0 not yet, 1 purged, 2 kept because the account has other cases), and cases are indexed
-- by account.

ALTER TABLE cases ADD COLUMN content_purged BIGINT NOT NULL DEFAULT 0;
CREATE INDEX cases_purge ON cases (status, content_purged, closed_at);
CREATE INDEX cases_by_account ON cases (platform, account);
