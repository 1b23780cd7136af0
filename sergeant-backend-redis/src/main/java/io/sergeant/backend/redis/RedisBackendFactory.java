package io.sergeant.backend.redis;

import io.sergeant.spi.SergeantPlugin;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.PluginOptions;
import io.sergeant.spi.backend.Backend;
import io.sergeant.spi.backend.BackendFactory;
import io.sergeant.spi.backend.BackendSpec;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.exceptions.JedisException;

import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Creates the Redis backend for {@code redis://}, {@code rediss://} (TLS) and
 * {@code redis-cluster://} URIs (see the module's README.md for the data layout).
 *
 * <p>Options (all optional): {@code poolSize} (connections per node, default 16), {@code timeout}
 * (socket read timeout, default 10s), {@code connectTimeout} (default 5s), {@code maxAttempts}
 * (cluster only, default 5: a call rides out a failover for {@code timeout × maxAttempts}, retrying in
 * short steps, and gives up after that many steps that ended in a redirection) and {@code shards} (cluster only: how
 * many shards each queue is split into, default the number of masters). For {@code rediss://} nodes
 * also {@code tlsCaCert}, {@code tlsTrustStore}, {@code tlsTrustStorePassword}, {@code tlsKeyStore},
 * {@code tlsKeyStorePassword} and {@code tlsVerifyHostname} (default true; see {@link RedisTls}).
 * Unknown options are rejected; passwords are never logged or quoted.
 *
 * <p>{@link #create} connects and pings every node eagerly. Stateless and thread safe.
 */
@SergeantPlugin(name = "redis", schemes = {"redis", "rediss", "redis-cluster"})
public final class RedisBackendFactory implements BackendFactory {

    private static final String POOL_SIZE = "poolSize";
    private static final String TIMEOUT = "timeout";
    private static final String CONNECT_TIMEOUT = "connectTimeout";
    private static final String MAX_ATTEMPTS = "maxAttempts";
    private static final String SHARDS = "shards";
    private static final String MAX_PAYLOAD_SIZE = "maxPayloadSize";
    private static final String MAX_DEAD_LETTERS = "maxDeadLetters";
    /** Dead letters kept per queue (and shard) unless the option says otherwise. */
    static final int DEFAULT_MAX_DEAD_LETTERS = 10_000;
    private static final List<String> OPTIONS = Stream.concat(
            Stream.of(POOL_SIZE, TIMEOUT, CONNECT_TIMEOUT, MAX_ATTEMPTS, SHARDS, MAX_PAYLOAD_SIZE, MAX_DEAD_LETTERS),
            RedisTls.OPTIONS.stream()).toList();

    /** The no-argument constructor {@link java.util.ServiceLoader} needs. */
    public RedisBackendFactory() {
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public Set<String> schemes() {
        return Set.of("redis", "rediss", "redis-cluster");
    }

    /**
     * Connects to the nodes or cluster of {@code spec}.
     *
     * @throws SergeantException {@code INVALID_CONFIGURATION} for a bad URI or option (all option
     *         problems at once, never quoting a password, including unreadable trust or key stores);
     *         {@code BACKEND_UNAVAILABLE} when a node does not answer; {@code BACKEND_REFUSED} when
     *         authentication fails or the TLS handshake does (an untrusted or misnamed server
     *         certificate, TLS against a plain port)
     */
    @Override
    public Backend create(BackendSpec spec, PluginContext context) {
        Objects.requireNonNull(spec, "spec is null");
        Objects.requireNonNull(context, "context is null");
        RedisUri uri = RedisUri.parse(spec.uri());
        Settings settings = Settings.of(new PluginOptions("backend 'redis'", spec.options()).requireOnly(OPTIONS), uri,
                context.limits().maxEncodedBytes());
        Topology topology = uri.cluster() ? connectCluster(uri, settings) : connectNodes(uri, settings);
        for (RedisClient client : topology.clients()) {
            try {
                client.ping();
            } catch (SergeantException e) {
                topology.close();
                throw new SergeantException(e.code(), "cannot open the Redis backend: " + e.getMessage()
                        + tlsHint(client.target(), e), e);
            }
        }
        System.getLogger(RedisBackendFactory.class.getName()).log(System.Logger.Level.DEBUG,
                "connected Redis backend " + uri);
        return new RedisBackend(topology, Scripts.load(), new RedisBackend.Limits(settings.maxPayloadBytes(),
                settings.maxDeadLetters(), uri.cluster(), context.clock()), settings.timeout());
    }

    /**
     * What a first failed ping may mean about TLS: a plain Redis port never answers a TLS handshake
     * (the client's read times out), a TLS port resets a plain connection, and a server that requires
     * client certificates closes a TLS connection without one (the client may see only a reset or a
     * broken pipe instead of the TLS alert). Empty otherwise.
     */
    private static String tlsHint(String target, SergeantException e) {
        boolean tls = target.startsWith("rediss://");
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (tls && t instanceof SocketTimeoutException) {
                return "; with rediss:// a read timeout on connecting often means that the port does not speak TLS "
                        + "(a plain Redis port waits silently during the TLS handshake): check that the URI names "
                        + "the server's tls-port, or use redis:// for a plain port";
            }
            String message = String.valueOf(t.getMessage());
            boolean closed = message.contains("Connection reset") || message.contains("Unexpected end of stream")
                    || message.contains("Broken pipe");
            if (!tls && closed) {
                return "; the server closed the connection at once, as a Redis tls-port does with plain "
                        + "connections: if this port speaks TLS, use rediss://";
            }
            if (tls && closed && !String.valueOf(e.getMessage()).contains("'" + RedisTls.KEY_STORE + "'")) {
                return "; the server closed the TLS connection at once, as a Redis server with tls-auth-clients yes "
                        + "does without a client certificate: give one with the option '" + RedisTls.KEY_STORE + "'";
            }
        }
        return "";
    }

    private static Topology connectNodes(RedisUri uri, Settings settings) {
        List<RedisClient> clients = new ArrayList<>();
        for (RedisUri.Node node : uri.nodes()) {
            JedisCompat.PooledNode pooled = JedisCompat.PooledNode.open(new HostAndPort(node.host(), node.port()),
                    clientConfig(node, settings), poolConfig(settings));
            clients.add(new RedisClient(pooled, node.masked(), pooled::clearIdle, settings.timeout()));
        }
        return new IndependentNodes(clients);
    }

    // deprecation: JedisCluster, sendCommand and the ssl* builder methods are deprecated in Jedis 8 in favour of
    // APIs that Jedis 6 lacks; the backend supports Jedis 6, 7 and 8 (see JedisCompat), so it keeps the common ones.
    @SuppressWarnings("deprecation")
    private static Topology connectCluster(RedisUri uri, Settings settings) {
        Set<HostAndPort> seeds = new LinkedHashSet<>();
        for (RedisUri.Node node : uri.nodes()) {
            seeds.add(new HostAndPort(node.host(), node.port()));
        }
        JedisCluster cluster;
        try {
            // Two Jedis attempts per step, no Jedis backoff: RedisClient retries in short steps within
            // timeout × maxAttempts (docs/decisions.md, "Redis Cluster calls ride out a failover in short steps").
            cluster = new JedisCluster(seeds, clientConfig(uri.nodes().get(0), settings),
                    Math.min(RedisClient.JEDIS_ATTEMPTS_PER_STEP, settings.maxAttempts()),
                    settings.timeout().multipliedBy(settings.maxAttempts()), poolConfig(settings));
        } catch (JedisException e) {
            SergeantException translated = RedisErrors.translate(e, "cluster discovery", uri.toString());
            throw new SergeantException(translated.code(), "cannot open the Redis backend: " + translated.getMessage(), e);
        }
        RedisClient client = RedisClient.cluster(cluster, uri.toString(), settings.timeout(), settings.maxAttempts());
        try {
            int shards = settings.shards() > 0 ? settings.shards() : countMasters(client);
            return new ClusterShards(client, clientConfig(uri.nodes().get(0), settings), shards, settings.shards() > 0);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** The number of masters that serve slots, from {@code CLUSTER SLOTS}. */
    private static int countMasters(RedisClient client) {
        return Math.max(1, ClusterShards.slotMasters(client).size());
    }

    // deprecation: JedisCluster, sendCommand and the ssl* builder methods are deprecated in Jedis 8 in favour of
    // APIs that Jedis 6 lacks; the backend supports Jedis 6, 7 and 8 (see JedisCompat), so it keeps the common ones.
    @SuppressWarnings("deprecation")
    private static JedisClientConfig clientConfig(RedisUri.Node node, Settings settings) {
        return DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(millis(settings.connectTimeout()))
                .socketTimeoutMillis(millis(settings.timeout()))
                .user(node.user())
                .password(node.password())
                .database(node.database())
                .ssl(node.tls())
                .sslSocketFactory(node.tls() ? settings.tls().socketFactory() : null)
                .sslParameters(node.tls() ? settings.tls().sslParameters() : null)
                .clientName("sergeant")
                .build();
    }

    private static ConnectionPoolConfig poolConfig(Settings settings) {
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(settings.poolSize());
        pool.setMaxIdle(settings.poolSize());
        pool.setMinIdle(0);
        pool.setBlockWhenExhausted(true);
        pool.setMaxWait(settings.timeout()); // an exhausted pool fails after the timeout, never hangs
        pool.setJmxEnabled(false); // no MBean per pool: registering one loads JMX, a tenth of a command's start-up
        return pool;
    }

    private static int millis(Duration duration) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, duration.toMillis()));
    }

    /** Validated options. */
    private record Settings(int poolSize, Duration timeout, Duration connectTimeout, int maxAttempts, int shards,
                            int maxPayloadBytes, int maxDeadLetters, RedisTls tls) {

        static Settings of(PluginOptions options, RedisUri uri, int defaultMaxPayloadBytes) {
            List<String> problems = new ArrayList<>();
            int poolSize = check(problems, () -> options.integer(POOL_SIZE, 16, 1, Integer.MAX_VALUE, "at least 1"), 16);
            Duration timeout = check(problems, () -> options.duration(TIMEOUT, Duration.ofSeconds(10)), Duration.ofSeconds(10));
            Duration connectTimeout = check(problems, () -> options.duration(CONNECT_TIMEOUT, Duration.ofSeconds(5)),
                    Duration.ofSeconds(5));
            int maxAttempts = check(problems, () -> options.integer(MAX_ATTEMPTS, 5, 1, Integer.MAX_VALUE, "at least 1"), 5);
            int shards = check(problems, () -> options.integer(SHARDS, 0), 0);
            long maxPayload = check(problems, () -> options.size(MAX_PAYLOAD_SIZE, defaultMaxPayloadBytes, 1,
                    Integer.MAX_VALUE, "1 byte to 2G"), (long) defaultMaxPayloadBytes);
            int maxDeadLetters = check(problems, () -> options.integer(MAX_DEAD_LETTERS, DEFAULT_MAX_DEAD_LETTERS, 0,
                    Integer.MAX_VALUE, "0 (no cap) or more"), DEFAULT_MAX_DEAD_LETTERS);
            if (timeout.isZero() || connectTimeout.isZero()) {
                problems.add("options '" + TIMEOUT + "' and '" + CONNECT_TIMEOUT + "' must be positive");
            }
            if (options.asMap().containsKey(SHARDS) && !uri.cluster()) {
                problems.add("option '" + SHARDS + "' applies to redis-cluster:// URIs only; independent nodes"
                        + " keep Python Sergeant's layout with one part of each queue per node");
            } else if (options.asMap().containsKey(SHARDS) && shards < 1) {
                problems.add("option '" + SHARDS + "' is " + shards + "; expected at least 1");
            }
            RedisTls tls = RedisTls.of(options, uri.nodes().stream().anyMatch(RedisUri.Node::tls), problems);
            if (!problems.isEmpty()) {
                throw new SergeantException(ErrorCode.INVALID_CONFIGURATION,
                        "invalid options for backend 'redis' (" + RedisUri.mask(uri.toString()) + "): "
                                + String.join("; ", problems));
            }
            return new Settings(poolSize, timeout, connectTimeout, maxAttempts, shards, (int) maxPayload,
                    maxDeadLetters, tls);
        }

        private static <T> T check(List<String> problems, java.util.function.Supplier<T> read, T fallback) {
            try {
                return read.get();
            } catch (SergeantException e) {
                problems.add(e.getMessage());
                return fallback;
            }
        }
    }
}
