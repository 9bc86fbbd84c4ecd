import java.io.File;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.ServerVersion;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

/**
 * MongoDB-wire test server (mongo-java-server), driven by test/mongo-server/server.ts.
 *
 * <pre>
 *   java -cp "classes:lib/*" Launcher (--file PATH | --memory) [--port N] [--exit-on-stdin-eof]
 * </pre>
 *
 * <ul>
 *   <li>{@code --file PATH}: H2 (MVStore) backend on PATH; the data survives a graceful stop.</li>
 *   <li>{@code --memory}: in-memory backend (the default when neither is given).</li>
 *   <li>{@code --port N}: port on 127.0.0.1; 0 (the default) picks a free port.</li>
 *   <li>{@code --exit-on-stdin-eof}: shut down when stdin closes, so the server does not outlive
 *       a parent process that died without stopping it.</li>
 * </ul>
 *
 * The first line on stdout is {@code mongodb://127.0.0.1:<port>}; nothing else is written to
 * stdout. Logs (WARN and above) and errors go to stderr. SIGTERM / SIGINT run a shutdown hook
 * that calls {@link MongoServer#shutdown()}, which closes the backend (and so commits the H2
 * file). A usage or startup error exits with status 2 or 1.
 */
public final class Launcher {

    private Launcher() {
    }

    public static void main(String[] args) throws Exception {
        // Must happen before any slf4j logger is created (i.e. before MongoServer is touched).
        setDefault("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        setDefault("org.slf4j.simpleLogger.logFile", "System.err");
        setDefault("org.slf4j.simpleLogger.showDateTime", "true");

        // Keep stdout for the URI line only: anything else that prints to System.out goes to stderr.
        PrintStream stdout = System.out;
        System.setOut(System.err);

        String file = null;
        boolean memory = false;
        int port = 0;
        boolean exitOnStdinEof = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--file":
                    file = requireValue(args, ++i, "--file");
                    break;
                case "--memory":
                    memory = true;
                    break;
                case "--port":
                    String value = requireValue(args, ++i, "--port");
                    try {
                        port = Integer.parseInt(value);
                    } catch (NumberFormatException e) {
                        port = -1;
                    }
                    if (port < 0 || port > 65535) {
                        usage("invalid --port: " + value);
                    }
                    break;
                case "--exit-on-stdin-eof":
                    exitOnStdinEof = true;
                    break;
                default:
                    usage("unknown argument: " + args[i]);
            }
        }
        if (file != null && memory) {
            usage("--file and --memory are mutually exclusive");
        }

        MongoBackend backend;
        try {
            if (file != null) {
                File parent = new File(file).getAbsoluteFile().getParentFile();
                if (parent != null && !parent.isDirectory() && !parent.mkdirs() && !parent.isDirectory()) {
                    throw new IllegalStateException("cannot create directory " + parent);
                }
                backend = new H2Backend(file);
            } else {
                backend = new MemoryBackend();
            }
            // The Node.js driver 6.x needs maxWireVersion >= 8 (MongoDB 4.2+); MONGO_5_0 reports 8.
            backend.version(ServerVersion.MONGO_5_0);
        } catch (Throwable e) {
            System.err.println("Launcher: cannot open backend" + (file != null ? " on " + file : "") + ": " + e);
            e.printStackTrace(System.err);
            System.exit(1);
            return;
        }

        MongoServer server = new MongoServer(backend);
        AtomicBoolean stopped = new AtomicBoolean(false);
        Runnable stop = () -> {
            if (stopped.compareAndSet(false, true)) {
                try {
                    server.shutdown();
                } catch (Throwable e) {
                    System.err.println("Launcher: error during shutdown: " + e);
                    e.printStackTrace(System.err);
                }
            }
        };
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "mongo-server-shutdown"));

        try {
            server.bind("127.0.0.1", port);
        } catch (Throwable e) {
            System.err.println("Launcher: cannot bind 127.0.0.1:" + port + ": " + e);
            e.printStackTrace(System.err);
            System.exit(1);
            return;
        }

        stdout.println("mongodb://127.0.0.1:" + server.getLocalAddress().getPort());
        stdout.flush();

        if (exitOnStdinEof) {
            Thread watcher = new Thread(() -> {
                try {
                    InputStream in = System.in;
                    byte[] buffer = new byte[256];
                    while (in.read(buffer) >= 0) {
                        // ignore input; only EOF matters
                    }
                } catch (Throwable ignored) {
                    // a broken stdin counts as EOF
                }
                System.err.println("Launcher: stdin closed, shutting down");
                System.exit(0); // runs the shutdown hook
            }, "stdin-watcher");
            watcher.setDaemon(true);
            watcher.start();
        }

        new CountDownLatch(1).await(); // block until the JVM is told to exit
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    private static String requireValue(String[] args, int index, String option) {
        if (index >= args.length) {
            usage(option + " needs a value");
        }
        return args[index];
    }

    private static void usage(String problem) {
        System.err.println("Launcher: " + problem);
        System.err.println("usage: java -cp \"classes:lib/*\" Launcher (--file PATH | --memory) [--port N] [--exit-on-stdin-eof]");
        System.exit(2);
    }
}
