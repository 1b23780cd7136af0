package io.sergeant.backend.mongo;

/**
 * Names of the database objects this backend reads and writes. The first group is Python Sergeant's
 * layout ({@code sergeant.connector.mongo}), kept byte for byte so that Python and Java producers and
 * consumers share queues; every name starting with {@code sergeant_} is Java-only and ignored by
 * Python's queries. Constants only.
 */
final class MongoLayout {

    /** Python Sergeant's database; overridable with the {@code database} option. */
    static final String DEFAULT_DATABASE = "sergeant";

    /** Python's queue collection: {@code {queue_name, priority, value}}. */
    static final String TASK_QUEUE = "task_queue";
    /** Python's key/value collection: {@code {key, value}}. */
    static final String KEYS = "keys";
    /** Python's lock collection: {@code {name, expireAt}}; Java adds {@link #LOCK_OWNER}. */
    static final String LOCKS = "locks";
    /** Java-only dead-letter collection. */
    static final String DEAD_LETTERS = "sergeant_dead_letters";
    /** Java-only worker registry (monitoring role): {@code {_id: worker id, record, expires_at}}, on the first node. */
    static final String WORKERS = "sergeant_workers";
    static final String RECORD = "record";
    static final String EXPIRES_AT = "expires_at";

    // task_queue fields shared with Python
    static final String ID = "_id";
    static final String QUEUE_NAME = "queue_name";
    /** 0.0 HIGH, 1.0 NORMAL, or the consumable-from epoch; while leased, the lease deadline. */
    static final String PRIORITY = "priority";
    static final String VALUE = "value";

    // task_queue fields Python never reads (present only while a task is leased or was delivered)
    /** The lease token of the batch that holds the task. */
    static final String LEASE = "sergeant_lease";
    /** The lease deadline in epoch seconds (equal to {@link #PRIORITY} while leased). */
    static final String DEADLINE = "sergeant_deadline";
    /** How many times the task was handed out by a pop. */
    static final String DELIVERIES = "sergeant_deliveries";

    // keys
    static final String KEY = "key";

    // locks
    static final String LOCK_NAME = "name";
    static final String EXPIRE_AT = "expireAt";
    /** Java-only: the owner token of the holder. */
    static final String LOCK_OWNER = "owner";

    // dead letters
    static final String REASON = "reason";
    static final String DELIVERY_COUNT = "delivery_count";
    static final String DEAD_AT = "dead_at";
    /** A dead letter's payload size in bytes, so a listing can show it without reading the payload. */
    static final String PAYLOAD_SIZE = "payload_size";
    /** Set while a requeue moves the dead letter back; with {@link #REQUEUE_UNTIL} as its deadline. */
    static final String REQUEUE = "sergeant_requeue";
    static final String REQUEUE_UNTIL = "sergeant_requeue_until";

    /** Python's priority value of an immediate HIGH task. */
    static final double HIGH = 0.0;
    /** Python's priority value of an immediate NORMAL task. */
    static final double NORMAL = 1.0;

    private MongoLayout() {
    }
}
