/**
 * The MongoDB backend ({@code mongodb://}, {@code mongodb+srv://}), created by
 * {@link io.sergeant.backend.mongo.MongoBackendFactory}. It keeps Python Sergeant's layout (database
 * {@code sergeant}; {@code task_queue}, {@code keys}, {@code locks}) so Python and Java share queues,
 * adds the Java-only {@code sergeant_dead_letters} collection and {@code sergeant_*} lease fields, and
 * uses no multi-document transactions, so a standalone server works. The module's README lists the
 * layout, the MongoDB operations used (all available in MongoDB 4.4 and newer) and the caveats.
 */
package io.sergeant.backend.mongo;
