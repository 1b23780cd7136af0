package io.sergeant.cli;

import io.sergeant.api.Broker;
import io.sergeant.dashboard.DashboardOptions;
import io.sergeant.dashboard.DashboardServer;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code sergeant dashboard --backend URI [--port 8080] [--bind 127.0.0.1] [--read-only]
 * [--token T | --basic-auth user:pass] [--base-path /p]}: serves the web dashboard and its JSON API
 * (module sergeant-dashboard) over the backend until interrupted (Ctrl-C, SIGTERM). The token may also
 * come from the environment variable {@code SERGEANT_DASHBOARD_TOKEN}, so that it does not show in
 * process listings. See docs/dashboard.md.
 */
@Command(name = "dashboard", mixinStandardHelpOptions = true,
        description = "Serves a web dashboard of queues, dead letters and workers (and its JSON API) until stopped.")
final class DashboardCommand implements Callable<Integer> {

    /** Environment variable read for the token when --token is not given. */
    static final String TOKEN_ENV = "SERGEANT_DASHBOARD_TOKEN";

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions configOptions;

    @Mixin
    ClassPathOption classPath;

    @Option(names = "--port", defaultValue = "8080", paramLabel = "PORT",
            description = "Port to listen on; 0 takes a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--bind", defaultValue = "127.0.0.1", paramLabel = "ADDRESS",
            description = "Address to listen on (default: ${DEFAULT-VALUE}, loopback only). Binding another address"
                    + " without --token or --basic-auth lets anyone who reaches it act on your queues.")
    String bind;

    @Option(names = "--read-only", description = "Hide every action and refuse every POST (purge, requeue, delete).")
    boolean readOnly;

    @ArgGroup(exclusive = true)
    Auth auth;

    @Option(names = "--base-path", paramLabel = "PATH", defaultValue = "",
            description = "Path prefix when served behind a reverse proxy (e.g. /sergeant); links carry it.")
    String basePath;

    @Option(names = "--kwargs-max-bytes", defaultValue = "1048576", paramLabel = "BYTES",
            description = "Read and decode the payload of a dead letter or waiting task only up to this size, to show its kwargs;"
                    + " larger ones are listed with their size only; 0 reads none (default: ${DEFAULT-VALUE}).")
    long kwargsMaxBytes;

    /** At most one authentication. */
    static final class Auth {
        @Option(names = "--token", paramLabel = "TOKEN",
                description = "Require this bearer token (or set " + TOKEN_ENV + "); a browser opens any page once with ?token=TOKEN.")
        String token;

        @Option(names = "--basic-auth", paramLabel = "USER:PASS", description = "Require HTTP basic authentication.")
        String basicAuth;
    }

    /**
     * Serves with the user's class path ({@code --classpath}, {@code SERGEANT_CLASSPATH}) as the context class
     * loader, so plugins and task classes in the user's jars are found; the server's threads, started here,
     * inherit it.
     */
    @Override
    public Integer call() {
        return classPath.callWithUserClasses(this::serve);
    }

    private Integer serve() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (kwargsMaxBytes < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--kwargs-max-bytes must not be negative, got "
                    + kwargsMaxBytes);
        }
        DashboardOptions.Builder builder = DashboardOptions.builder().bind(bind).port(port).readOnly(readOnly)
                .basePath(basePath).kwargsMaxBytes(kwargsMaxBytes);
        String token = auth != null && auth.token != null ? auth.token : System.getenv(TOKEN_ENV);
        try {
            if (auth != null && auth.basicAuth != null) {
                builder.basicAuth(auth.basicAuth);
            } else if (token != null && !token.isBlank()) {
                builder.token(token);
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Broker broker = configOptions.openExistingBroker("dashboard", Map.of());
        DashboardServer server;
        try {
            String backend = configOptions.config("dashboard", Map.of()).backend();
            DashboardOptions options = builder.backendLabel(backend).build();
            server = DashboardServer.start(broker, options);
            out.println("Sergeant dashboard on " + server.url() + " (backend " + options.backendLabel() + ")"
                    + (readOnly ? ", read-only" : "") + (options.authenticated() ? ", authentication required" : ""));
            if (!options.authenticated() && !loopback(bind)) {
                err.println("warning: listening on " + bind + " without --token or --basic-auth: anyone who reaches this"
                        + " address can purge queues and delete dead letters; add --token, --read-only or bind 127.0.0.1");
            }
            out.println("Ctrl-C to stop");
            out.flush();
            err.flush();
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }
        Thread hook = new Thread(() -> {
            server.close();
            broker.close();
        }, "sergeant-dashboard-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        boolean interrupted = false;
        try {
            server.join();
        } catch (InterruptedException e) {
            interrupted = true; // stopped by the caller (tests, an embedding program); flag restored after closing
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or will run: it closes both
            }
            server.close();
            broker.close();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        return 0;
    }

    private static boolean loopback(String address) {
        try {
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
