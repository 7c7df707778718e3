-- links_by_a (platform_a, account_a) is a prefix of the UNIQUE index on (platform_a,
-- account_a, platform_b, account_b, kind, value), which serves the same look-ups (`links_of`
-- searches it for the a side and links_by_b for the b side). Without it, every link stored
-- writes two index entries on random leaves instead of three.
DROP INDEX links_by_a;
