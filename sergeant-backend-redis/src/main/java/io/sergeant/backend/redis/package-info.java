/**
 * The Redis backend: Python Sergeant's data layout on one or several independent nodes, sharded
 * queues on a Redis Cluster, and at-least-once delivery (batch leases, redelivery, dead letters) in
 * atomic Lua scripts. The entry point is {@link io.sergeant.backend.redis.RedisBackendFactory};
 * the key layout, scripts and sharding scheme are documented in the module's {@code README.md}.
 */
package io.sergeant.backend.redis;
