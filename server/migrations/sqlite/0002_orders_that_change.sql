-- Version 1.1: orders that change. What the queries filter on is copied
-- out of the body (the order as JSON, still the whole truth): the check an
-- order is part of, when it last entered ready, and whether it was voided.
-- Orders stored before this migration keep NULL in all three, as their
-- bodies do. Times are Unix ms.
ALTER TABLE orders ADD COLUMN check_id TEXT;
ALTER TABLE orders ADD COLUMN ready_at INTEGER;
ALTER TABLE orders ADD COLUMN voided_at INTEGER;

-- The stats endpoint reads only the window of ready times it reports on
-- (a station filter is applied to those few rows).
CREATE INDEX orders_ready ON orders (ready_at);

-- Idempotency answers are looked up by key alone: a key names one request,
-- whatever its kind.
CREATE INDEX idempotency_by_key ON idempotency (key);
