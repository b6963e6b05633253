-- The whole kds store: orders, the event log that streams their changes,
-- and the answers kept for Idempotency-Key repeats.

-- One row of counters, changed only inside the writer's transaction so that
-- sequence numbers and ticket numbers follow commit order.
CREATE TABLE store_state (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq    INTEGER NOT NULL,
    -- Events with seq <= floor_seq may have been pruned: a resume from
    -- before it needs a snapshot.
    floor_seq   INTEGER NOT NULL,
    last_number INTEGER NOT NULL
);
INSERT INTO store_state (id, last_seq, floor_seq, last_number) VALUES (1, 0, 0, 0);

-- The current state of every order; `body` is the Order as JSON, the other
-- columns copy what the queries filter and sort by. Times are Unix ms.
CREATE TABLE orders (
    id         TEXT PRIMARY KEY NOT NULL,
    station    TEXT NOT NULL,
    status     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    status_at  INTEGER NOT NULL,
    body       TEXT NOT NULL
);
CREATE INDEX orders_by_station ON orders (station, status, created_at);
CREATE INDEX orders_by_status ON orders (status, created_at);
CREATE INDEX orders_done_by_station ON orders (station, status, status_at);
CREATE INDEX orders_done ON orders (status, status_at);

-- One row per change; `body` is the order after the change.
CREATE TABLE events (
    seq     INTEGER PRIMARY KEY NOT NULL,
    station TEXT NOT NULL,
    kind    TEXT NOT NULL,
    at      INTEGER NOT NULL,
    body    TEXT NOT NULL
);
CREATE INDEX events_by_station ON events (station, seq);
CREATE INDEX events_by_age ON events (at);

-- The first successful answer to a request that carried an Idempotency-Key.
CREATE TABLE idempotency (
    scope      TEXT NOT NULL,
    key        TEXT NOT NULL,
    request    TEXT NOT NULL,
    response   TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_by_age ON idempotency (created_at);
