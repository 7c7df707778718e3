-- Networks in the service: the links the linker found (with their evidence) and network
-- freezes waiting for, or given, a second moderator's approval.

-- One row per link between two accounts: an identifier both named (kind phone, whatsapp,
-- line, telegram, instagram, bank_account, ewallet; value the normalised identifier), one ad
-- template (kind template; strength the estimated similarity) or one photo (kind photo;
-- strength the Hamming distance). item_a and item_b are the event ids the link was found in.
CREATE TABLE links (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    platform_a TEXT NOT NULL,
    account_a  TEXT NOT NULL,
    platform_b TEXT NOT NULL,
    account_b  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    value      TEXT NOT NULL,
    strength   REAL,
    item_a     TEXT NOT NULL,
    item_b     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (platform_a, account_a, platform_b, account_b, kind, value)
);
CREATE INDEX links_by_a ON links (platform_a, account_a);
CREATE INDEX links_by_b ON links (platform_b, account_b);

-- A freeze of a case's whole network (its accounts on the case's platform): proposed by one
-- moderator, carried out only when a different moderator approves.
CREATE TABLE network_actions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    platform    TEXT NOT NULL,
    action      TEXT NOT NULL,
    ground      TEXT NOT NULL,
    note        TEXT NOT NULL,
    -- JSON array of the accounts covered, as proposed.
    members     TEXT NOT NULL,
    status      TEXT NOT NULL,
    proposed_by INTEGER NOT NULL,
    proposed_at INTEGER NOT NULL,
    decided_by  INTEGER,
    decided_at  INTEGER,
    -- JSON: what happened to each account when approved, or the reason when rejected.
    result      TEXT
);
CREATE UNIQUE INDEX network_actions_one_pending ON network_actions (case_id) WHERE status = 'pending';
CREATE INDEX network_actions_by_platform ON network_actions (platform, status);

-- Ban-evasion checks ask whether a platform has any frozen account before walking a network.
CREATE INDEX accounts_by_status ON accounts (platform, status);
