-- Each index of orders now holds only the orders its statements read: the
-- open ones (the snapshot and the open counts), the completed ones (the
-- recent list, the pruning) and those that reached ready (the stats).
-- Over every order, a new ticket wrote seven index entries and a bump
-- rewrote four: a new order touched eleven pages of the file. Now a new
-- order writes two and touches eight pages, a bump between open states
-- rewrites none, and the open-order indexes stay as small as the rail
-- however many completed orders the table keeps (docs/benchmarks.md,
-- issue 12). SQLite uses a partial index when the statement's WHERE holds
-- the index's term, or implies it: `ready_at >= $1` implies `ready_at IS
-- NOT NULL`. store/sqlite/tests.rs checks each statement's plan.
DROP INDEX orders_by_station;
DROP INDEX orders_by_status;
DROP INDEX orders_done_by_station;
DROP INDEX orders_done;
DROP INDEX orders_ready_times;
CREATE INDEX orders_open ON orders (created_at)
    WHERE status IN ('pending', 'preparing', 'ready');
CREATE INDEX orders_open_by_station ON orders (station, created_at)
    WHERE status IN ('pending', 'preparing', 'ready');
CREATE INDEX orders_done ON orders (status_at) WHERE status = 'completed';
CREATE INDEX orders_done_by_station ON orders (station, status_at) WHERE status = 'completed';
CREATE INDEX orders_ready_times ON orders (ready_at, station, created_at, voided_at)
    WHERE ready_at IS NOT NULL;
