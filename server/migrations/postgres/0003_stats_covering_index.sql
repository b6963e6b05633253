-- The stats read, for every order that entered ready in the window, its
-- station, creation time and void mark. With only ready_at indexed each of
-- those rows was fetched from the table: 33,000 random reads for a day's
-- window over a month of a busy kitchen (150 to 300 ms on SQLite,
-- docs/benchmarks.md). This index holds all four columns, so the stats read
-- the window's slice of the index and nothing else; it replaces
-- orders_ready, whose every use it serves.
CREATE INDEX orders_ready_times ON orders (ready_at, station, created_at, voided_at);
DROP INDEX orders_ready;
