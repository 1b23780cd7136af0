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
 * {@code priority} is {@code 0.0} for HIGH, {@code 1.0} for NORMAL, the {@code consumableFrom} epoch
 * seconds of a delayed task, or the lease deadline of a leased one (below); a row is deliverable when
 * {@code priority <= now}, and pops take rows in {@code ORDER BY priority, rowid}. Python's SQL names
 * its columns, so it ignores the extra ones. {@code locks.expireAt} is epoch seconds; {@code owner} is
 * the owner token of a Java lock (NULL for a Python lock). An expired lock never blocks an acquire.
 *
 * <p><b>Leases live in {@code task_queue}.</b> A leased (at-least-once) pop is one {@code UPDATE} of
 * the next deliverable rows: {@code lease_priority} takes the row's priority, {@code priority} becomes
 * the lease deadline (epoch seconds, now plus the lease), {@code lease_token} the pop's number XOR the
 * {@code rowid} (the pop's number: 63 fresh random bits, one per pop, so a token is unique per
 * delivery) and {@code delivery_count} one more (NULL means 0). A receipt is the {@code rowid} plus
 * the token in hex; the receipts of one pop share the number (token XOR rowid), so an ack of a batch
 * is one {@code DELETE} per pop. The pop also adds one row to a Java-only table,
 * <pre>
 * sergeant_lease_deadlines (queue_name TEXT, deadline REAL, pop_number INTEGER)
 *   INDEX sergeant_lease_deadlines_by_queue (queue_name, deadline)
 * </pre>
 * which says where its leases sit (an extension adds one for the new deadline): expired leases are
 * the rows at a passed deadline ({@code queue_by_priority}'s entries at exactly that priority) with
 * that pop's tokens. Acks never touch it; a deadline row is dropped once its deadline passed and its
 * leases, if any were left, were put back. So a leased task costs no index entry beyond
 * {@code queue_by_priority}'s. So:
 * <ul>
 *   <li><i>in flight</i> = {@code lease_token IS NOT NULL AND priority > now}: no pop, Java or Python,
 *       takes the row before its deadline, because every pop asks for {@code priority <= now};</li>
 *   <li>an <i>expired</i> lease ({@code lease_token} set, {@code priority <= now}) is deliverable
 *       again: the next pop takes it, ordered like a delayed task due at the deadline (a leased pop
 *       counts one more delivery; an at-most-once pop, Java's or Python's, deletes it, which is a
 *       legitimate redelivery). {@code stats} counts it as ready;</li>
 *   <li>an ack deletes the row if its {@code rowid} and token still match; an extension moves the
 *       deadline; a release sets {@code priority = 0.0} (ahead of NORMAL), clears the token and keeps
 *       the count; a dead-lettering moves the row to {@code sergeant_dead_letters} if the token
 *       matches. A receipt whose lease was reaped or taken again no longer matches and is refused;</li>
 *   <li>a reap, in one {@code BEGIN IMMEDIATE} transaction, moves expired leases whose count reached
 *       {@code maxDeliveries} to the dead letters and ends the others' leases: the token is cleared and
 *       the row goes back to {@code lease_priority}, its place before the lease (the {@code rowid}
 *       never changes, so a NORMAL task comes back ahead of newer ones). Reapers in many processes
 *       serialize on the write lock; the second finds nothing. Expired leases are found from the
 *       passed deadlines in {@code sergeant_lease_deadlines}, and every pop first puts them back the
 *       same way (so an expired HIGH task keeps its HIGH place);</li>
 *   <li>a pop that would deliver a row past {@code maxDeliveries} moves it to the dead letters in
 *       the same transaction instead.</li>
 * </ul>
 * The payload is written once (at push) and deleted once (at ack): a leased task costs one
 * {@code UPDATE} more than an at-most-once one, and in-flight rows sit past {@code now} in the index,
 * so pops never scan them. Lease rows written by another process of an earlier version (a random
 * token per row, no deadline row) are still settled by their receipts and taken by pops once
 * expired, but only put back at their old priority, or reaped, after a process of this version
 * opened the file again.
 *
 * <p><b>What a Python Sergeant process sharing the file sees</b> (at-most-once, docs/python-compat.md §3.4): an
 * in-flight task looks like a delayed task due at its lease deadline, so Python's pop never takes it
 * before then, Python's {@code length(include_delayed=True)} counts it, and Python's {@code delete}
 * (purge) deletes it (its Java ack is then refused). Java's {@code length(queue, true)} counts ready
 * and delayed tasks but not in-flight ones, and Java's {@code purge} keeps in-flight tasks (it deletes
 * expired leases, which are ready).
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
 * <p><b>Files of earlier versions.</b> The version before this one kept a partial index
 * {@code sergeant_task_leases_by_deadline} on leased rows (one entry per leased row) instead of
 * {@code sergeant_lease_deadlines}: opening such a file drops the index and adds a deadline row for
 * every leased row (its own pop number: its token XOR its rowid), so its leases and receipts keep
 * working. Versions before that moved leased rows into a table {@code sergeant_leases}. Opening such a file moves its rows back into {@code task_queue}, still
 * leased under the same token until their deadline (the old receipts name the old lease ids, so they
 * are refused and the tasks are redelivered once the leases expire), and drops the table, in the same
 * transaction that adds the new columns. Upgrade every Java process that shares a file at once: a
 * process of an earlier version fails on the dropped table.
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
