-- Authorities' requests (issue 7): a regulator's takedown request or a police report naming
-- several accounts, each item joining or opening a case on its platform; and the referrals
-- recorded when a protection case (minor risk, trafficking signs) is decided.

-- One request as filed. source is regulator or police; urgency normal or urgent; deadline
-- (ms) runs from receipt, NULL for requests without one (police reports).
CREATE TABLE requests (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    source       TEXT NOT NULL,
    filed_by     TEXT NOT NULL,
    legal_ground TEXT NOT NULL,
    category     TEXT NOT NULL,
    urgency      TEXT NOT NULL,
    reference    TEXT NOT NULL DEFAULT '',
    received_at  INTEGER NOT NULL,
    deadline     INTEGER
);
CREATE INDEX requests_by_source ON requests (source, received_at);

-- One named account of a request, with the case it joined or opened. A platform's moderator
-- may reject the item with a reason (reject_code one of saring_core::request::RejectCode).
CREATE TABLE request_items (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id    INTEGER NOT NULL REFERENCES requests (id),
    platform      TEXT NOT NULL,
    account       TEXT NOT NULL,
    case_id       INTEGER NOT NULL REFERENCES cases (id),
    report_id     INTEGER NOT NULL REFERENCES reports (id),
    received_at   INTEGER NOT NULL,
    deadline      INTEGER,
    rejected_at   INTEGER,
    rejected_by   TEXT,
    reject_code   TEXT,
    reject_reason TEXT
);
CREATE INDEX request_items_by_request ON request_items (request_id);
CREATE INDEX request_items_by_platform ON request_items (platform, received_at);
CREATE INDEX request_items_by_case ON request_items (case_id);

-- Whether a referral to a protection service was made when a case was decided (required for
-- cases flagged minor_risk or third_party). kind is child_protection, anti_trafficking or
-- other; contact names the service (from [protection] contacts, or free text).
CREATE TABLE referrals (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    decision_id INTEGER NOT NULL REFERENCES decisions (id),
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    platform    TEXT NOT NULL,
    minor_risk  INTEGER NOT NULL,
    third_party INTEGER NOT NULL,
    made        INTEGER NOT NULL,
    kind        TEXT,
    contact     TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    case_opened_at INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX referrals_one_per_decision ON referrals (decision_id);
CREATE INDEX referrals_by_platform ON referrals (platform, recorded_at);
