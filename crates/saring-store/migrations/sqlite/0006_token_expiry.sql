-- Token expiry: when each user's current API token was issued (`saring user add`, `saring
-- user token`). Users created before this migration count from their creation.

ALTER TABLE users ADD COLUMN token_issued_at INTEGER;
UPDATE users SET token_issued_at = created_at;
