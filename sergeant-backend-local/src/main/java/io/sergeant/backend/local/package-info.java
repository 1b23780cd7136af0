/**
 * The embedded SQLite backend ({@code local}, URIs {@code sqlite:path/to/file.db} or
 * {@code sqlite:///abs/path.db}): every queue, key, lock, lease and dead letter lives in one file that
 * any number of threads and processes share.
 *
 * <h2>Table layout</h2>
 * Python Sergeant's tables (reference §3.4) are created exactly as Python creates them, so a Python
 * Sergeant worker can share the file in at-most-once mode:
 * <pre>
 * task_queue (queue_name TEXT, priority REAL, value BLOB, delivery_count INTEGER)   -- delivery_count: Java only, nullable
 *   INDEX queue_by_priority (queue_name, priority)
 * keys (name TEXT, value BLOB)            UNIQUE INDEX key_by_name (name)
 * locks (name TEXT, expireAt REAL, owner TEXT)                                       -- owner: Java only, nullable
 *   UNIQUE INDEX lock_by_name (name), INDEX lock_by_expireAt (expireAt)
 * </pre>
 * {@code priority} is {@code 0.0} for HIGH, {@code 1.0} for NORMAL, or the {@code consumableFrom} epoch
 * seconds of a delayed task; a task is deliverable when {@code priority <= now}, and pops take rows in
 * {@code ORDER BY priority, rowid}. {@code delivery_count} is the number of earlier deliveries of a
 * task put back by a reap or a release (NULL, meaning 0, for pushed tasks; Python's SQL names its
 * columns, so it ignores the extra ones). {@code locks.expireAt} is epoch seconds; {@code owner} is
 * the owner token of a Java lock (NULL for a Python lock). An expired lock never blocks an acquire.
 *
 * <p>Structures Python Sergeant lacks have tables of their own, which Python never touches:
 * <pre>
 * sergeant_leases (id INTEGER PRIMARY KEY, queue_name TEXT, priority REAL, value BLOB,
 *                  token INTEGER, delivery_count INTEGER, lease_until REAL)
 *   INDEX sergeant_leases_by_expiry (queue_name, lease_until)
 * sergeant_dead_letters (id INTEGER PRIMARY KEY AUTOINCREMENT, queue_name TEXT, value BLOB,
 *                        reason TEXT, delivery_count INTEGER, dead_at REAL)
 *   INDEX sergeant_dead_letters_by_queue (queue_name, id)
 * </pre>
 * A leased pop moves rows from {@code task_queue} to {@code sergeant_leases} in one transaction (a
 * Python worker therefore never sees an in-flight task); an ack deletes the lease row if its id and
 * token still match (a receipt is {@code id} plus a random 64-bit {@code token} in hex); a reap or
 * release moves it back into {@code task_queue} with its {@code delivery_count} (a release at priority
 * 0.0, ahead of NORMAL tasks; a reap at its original priority); dead letters keep the payload byte for
 * byte, the reason, the number of deliveries and the time ({@code dead_at}, epoch seconds).
 *
 * <h2>Concurrency and durability</h2>
 * The file uses the WAL journal (option {@code journalMode}), so readers never block the writer.
 * Every write is one statement or one short {@code BEGIN IMMEDIATE} transaction; a connection waits up
 * to {@code busyTimeout} (default 10 s) for another writer and then fails with
 * {@code BACKEND_UNAVAILABLE}. Each backend keeps a small pool of connections (option
 * {@code connections}), each used by one thread at a time, with its prepared statements reused.
 * With the default {@code synchronous=NORMAL}, a process killed at any point (kill -9) loses no
 * committed operation and never corrupts the file; a power loss or OS crash may roll back the last
 * commits, but not corrupt the file. {@code synchronous=FULL} makes every commit survive power loss
 * too, at the cost of an fsync per commit.
 *
 * <p><b>Sharing with Python Sergeant.</b> Python's connector runs {@code PRAGMA journal_mode = OFF}
 * when it connects. SQLite cannot take a file out of WAL mode while another connection has it open,
 * so with the default {@code journalMode=WAL} a Python worker fails to start ("database is locked")
 * while a Java process uses the file. To share a file with Python workers, set the option
 * {@code journalMode=DELETE} on the Java side: both then use rollback journals and share the file
 * (Python's own connection runs without a journal, so a Python process killed mid-write can still
 * damage the file; that is Python Sergeant's behaviour). Python's lock quirk (an expired lock blocks
 * {@code acquire} until a release) applies to Python's own acquires only.
 */
package io.sergeant.backend.local;
