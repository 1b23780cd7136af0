/**
 * The embedded SQLite backend ({@code local}, URIs {@code sqlite:path/to/file.db} or
 * {@code sqlite:///abs/path.db}): every queue, key, lock, lease and dead letter lives in one file that
 * any number of threads and processes share.
 *
 * <h2>Table layout</h2>
 * Python Sergeant's tables (docs/python-compat.md §3.4) are created exactly as Python creates them, so a Python
 * Sergeant worker can share the file in at-most-once mode:
 * <pre>
 * task_queue (queue_name TEXT, priority REAL, value BLOB,
 *             delivery_count INTEGER, lease_token INTEGER, lease_priority REAL)  -- the last three: Java only, nullable
 *   INDEX queue_by_priority (queue_name, priority)
 * keys (name TEXT, value BLOB)            UNIQUE INDEX key_by_name (name)
 * locks (name TEXT, expireAt REAL, owner TEXT)                                       -- owner: Java only, nullable
 *   UNIQUE INDEX lock_by_name (name), INDEX lock_by_expireAt (expireAt)
 * </pre>
 * {@code priority} is {@code 0.0} for HIGH, {@code 1.0} for NORMAL, or the {@code consumableFrom} epoch
 * seconds of a delayed task; a row is deliverable when {@code priority <= now}, and pops take rows in
 * {@code ORDER BY priority, rowid}. Python's SQL names its columns, so it ignores the extra ones.
 * {@code delivery_count} is the deliveries a task had before it came back (NULL means 0);
 * {@code lease_token} and {@code lease_priority} are set only on leases the previous version wrote in
 * place (below). {@code locks.expireAt} is epoch seconds; {@code owner} is the owner token of a Java lock
 * (NULL for a Python lock). An expired lock never blocks an acquire.
 *
 * <p><b>One lease record per leased batch</b> (docs/decisions.md "SQLite at-least-once: one lease record per
 * batch"). A leased (at-least-once) pop deletes its rows from {@code task_queue} with the same
 * {@code DELETE ... RETURNING} as an at-most-once pop (Python's pop, ordered) and keeps them in two
 * Java-only tables:
 * <pre>
 * sergeant_lease_batches (id INTEGER PRIMARY KEY, queue_name TEXT, deadline REAL, token INTEGER,
 *                         pending INTEGER, slots BLOB, deadlines BLOB)
 *   INDEX sergeant_lease_batches_by_deadline (queue_name, deadline)
 * sergeant_lease_tasks (batch_id INTEGER PRIMARY KEY, tasks BLOB)
 * </pre>
 * A batch row holds the pop's number ({@code token}: 63 random bits, one per pop), one state byte per
 * task ({@code slots}: 0 once settled, else 1 + the index of its deadline in {@code deadlines}, a list of
 * big-endian doubles: the pop's deadline, and one more per extension of part of the batch), how many are
 * still leased ({@code pending}) and the earliest deadline of those ({@code deadline}, indexed). Its tasks
 * row holds, for each task, the rowid and priority it had in {@code task_queue} and its deliveries, this
 * one included, then the payloads; it is written once by the pop, read only when a task goes back to
 * {@code task_queue} or to the dead letters, and deleted with the batch. A receipt is
 * {@code <batch id>:<slot>} with the token {@code pop number XOR slot} in hex (unique per delivery). A pop
 * whose payloads add up to more than SQLite stores in one value (1,000,000,000 bytes) keeps them in several
 * such records. The {@code pending} count and {@code deadline} follow from the slots and are written back
 * right by the next change when they were edited; a row that cannot be read fails with an error naming it. So:
 * <ul>
 *   <li>an ack, extension, release, hand-back or dead-lettering of any receipts reads each batch's
 *       state row once, settles the slots that are still leased under that pop's number and writes the
 *       row back (the batch rows and tasks go with the last slot), in one {@code BEGIN IMMEDIATE}
 *       transaction; every other receipt (settled, reaped, another pop's, forged) is refused;</li>
 *   <li>a slot whose deadline passed is <i>expired</i>: counted as ready, and put back into
 *       {@code task_queue} (its old priority, its old rowid when no row took it since, so it keeps its
 *       place; its delivery count kept) by the next pop of the queue (leased or not), reap or purge;
 *       a reap moves those whose count reached {@code maxDeliveries} to the dead letters instead;</li>
 *   <li>a release puts the task back at {@code priority = 0.0} (ahead of NORMAL) with its count; a
 *       hand-back takes this delivery off the count;</li>
 *   <li>a pop that would deliver a task past {@code maxDeliveries}, or a payload over
 *       {@code maxPayloadSize} (left in {@code task_queue} by the pop's {@code length(value)} check and
 *       moved in SQL, never read), sends it to the dead letters and takes another.</li>
 * </ul>
 * SQLite gives a new row the highest rowid plus one, so a leased task's rowid can be taken by a newer
 * task only when every row above it left {@code task_queue}; that task then comes back under a new rowid,
 * behind newer tasks of its priority.
 *
 * <p><b>What a Python Sergeant process sharing the file sees</b> (at-most-once, docs/python-compat.md
 * §3.4): in-flight tasks are not in {@code task_queue}, exactly like the tasks Python's own pop took:
 * Python's {@code length} and {@code delete} (purge) do not see them, and an expired lease comes back
 * only when a Java process pops, reaps or purges that queue. Java's {@code length(queue, true)} and
 * {@code stats} count ready (expired leases included) and delayed tasks apart from in-flight ones;
 * Java's {@code purge} keeps running leases and deletes expired ones.
 *
 * <p><b>Leases written in place by the previous version.</b> That version left a leased row in
 * {@code task_queue} with the lease deadline as priority, {@code lease_token} = its pop's number XOR the
 * rowid, {@code lease_priority} = its priority before, and one row per pop in
 * <pre>
 * sergeant_lease_deadlines (queue_name TEXT, deadline REAL, pop_number INTEGER)
 *   INDEX sergeant_lease_deadlines_by_queue (queue_name, deadline)
 * </pre>
 * This version never writes such leases but keeps serving them: a receipt whose id is a plain rowid is
 * settled with that version's statements ({@code LegacyLeases}), its expired leases are put back at
 * their old priority by pops and reaps (dead-lettered by a reap at {@code maxDeliveries}), and
 * {@code stats} counts the running ones in flight. So a file upgraded with tasks in flight, or shared
 * with a still-running process of the previous version, loses nothing.
 *
 * <p>Dead letters have a table of their own, which Python never touches:
 * <pre>
 * sergeant_dead_letters (id INTEGER PRIMARY KEY AUTOINCREMENT, queue_name TEXT, value BLOB,
 *                        reason TEXT, delivery_count INTEGER, dead_at REAL)
 *   INDEX sergeant_dead_letters_by_queue (queue_name, id)
 * </pre>
 * Dead letters keep the payload byte for byte, the reason, the number of deliveries and the time
 * ({@code dead_at}, epoch seconds); a requeue inserts them as fresh NORMAL rows.
 *
 * <p>The worker registry (monitoring role) is a Java-only table too:
 * <pre>
 * sergeant_workers (id TEXT PRIMARY KEY, record BLOB NOT NULL, expires_at REAL NOT NULL)
 * </pre>
 * one row per live worker (its {@code WorkerStatus} record), listed while {@code expires_at} (epoch
 * seconds, this process's clock) is in the future and deleted by the next heartbeat after. Queue
 * listing is the distinct {@code queue_name} of {@code task_queue} and {@code sergeant_dead_letters}.
 *
 * <p><b>Files of earlier versions.</b> A version before the previous one kept a partial index
 * {@code sergeant_task_leases_by_deadline} on leased rows instead of {@code sergeant_lease_deadlines}:
 * opening such a file drops the index and adds a deadline row for every leased row (its own pop number:
 * its token XOR its rowid), so its leases and receipts keep working as above. Versions before that moved
 * leased rows into a table {@code sergeant_leases}: opening such a file moves its rows back into
 * {@code task_queue}, still leased in place under the same token until their deadline (the old receipts
 * name the old lease ids, so they are refused and the tasks are redelivered once the leases expire), and
 * drops the table, in the same transaction that adds the new columns. A process of a version before the
 * previous one fails on the dropped table: upgrade those at once.
 *
 * <h2>Concurrency and durability</h2>
 * The file uses a rollback journal by default (option {@code journalMode=DELETE}, with
 * {@code synchronous=FULL}), so Python Sergeant workers can share it; {@code journalMode=WAL} (with
 * {@code synchronous=NORMAL} unless set) is faster when several processes use the file, since readers
 * never block the writer, but a Python worker cannot then open the file. Every write is one statement or one short {@code BEGIN IMMEDIATE} transaction; a connection waits up
 * to {@code busyTimeout} (default 10 s) for another writer and then fails with
 * {@code BACKEND_UNAVAILABLE}. Each backend keeps a small pool of connections (option
 * {@code connections}), each used by one thread at a time, with its prepared statements reused.
 * With either default, a process killed at any point (kill -9) loses no committed operation and never
 * corrupts the file, and a power loss never corrupts it; with {@code WAL} and {@code NORMAL} a power
 * loss or OS crash may roll back the last commits.
 *
 * <p><b>Sharing with Python Sergeant.</b> Python's connector runs {@code PRAGMA journal_mode = OFF}
 * on every connection. SQLite cannot take a file out of WAL mode while another connection has it open,
 * so with {@code journalMode=WAL} a Python worker fails ("database is locked") while a Java process
 * uses the file. With the default rollback journal both share the file (Python's own connection runs
 * without a journal, so a Python process killed mid-write can still damage the file; that is Python
 * Sergeant's behaviour). A file left in WAL mode by an earlier version or by {@code journalMode=WAL}
 * is switched back when a process opens it with the default while no other process holds it. Python's lock quirk (an expired lock blocks
 * {@code acquire} until a release) applies to Python's own acquires only.
 */
package io.sergeant.backend.local;
