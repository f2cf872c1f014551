package io.foresight.app.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL server for the loop's shared state, from the machine's Debian {@code postgresql} binaries, without
 * Docker: {@code initdb} into a folder of the state dir (scram-sha-256 logins, a random password written next to it
 * with mode 0600), the server in the foreground on one loopback address and a non-default port, TCP only (no Unix
 * socket), and the database {@value #DATABASE} owned by the role {@value #ROLE}.
 *
 * <p>PostgreSQL refuses to run as root. Run as root (CI, a container) it is started in a user namespace that maps
 * an unprivileged id to the invoking user ({@code unshare --user --map-user=65534}): the server is not root inside,
 * and its files stay owned by the invoker in the private (0700) state folder, where a separate system user could
 * not reach them.
 */
public final class LocalPostgres {
    /** The database and login role the state store uses. */
    public static final String DATABASE = "foresight";
    public static final String ROLE = "foresight";
    static final String PASSWORD_FILE = "password";

    private final Path bin;
    private final Path dir;

    /**
     * @param bin the folder with {@code initdb} and {@code postgres}
     * @param dir the server's folder: {@code data/} and the password file
     */
    public LocalPostgres(Path bin, Path dir) {
        this.bin = bin;
        this.dir = dir.toAbsolutePath().normalize();
    }

    /** The binaries: {@code postgres.bin.dir}, else the newest {@code /usr/lib/postgresql/N/bin} (Debian's layout). */
    public static Optional<Path> findBinaries(String configured) {
        if (configured != null) {
            Path p = Path.of(configured);
            return Files.isExecutable(p.resolve("postgres")) ? Optional.of(p) : Optional.empty();
        }
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (var versions = Files.list(root)) {
            return versions.filter(v -> v.getFileName().toString().matches("\\d+"))
                    .max(java.util.Comparator.comparingInt(v -> Integer.parseInt(v.getFileName().toString())))
                    .map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("postgres")));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public Path dataDir() {
        return dir.resolve("data");
    }

    public Path passwordFile() {
        return dir.resolve(PASSWORD_FILE);
    }

    /** The role's password (written by {@link #ensureCluster}). */
    public String password() {
        try {
            return Files.readString(passwordFile()).trim();
        } catch (IOException e) {
            throw new StackException("cannot read the local PostgreSQL password " + passwordFile() + ": " + e.getMessage()
                    + ". Fix: run './foresight stack up' (it creates the server and its password)");
        }
    }

    /** Creates the cluster (initdb) with a random password, unless it exists; logs to {@code log}. */
    public void ensureCluster(Path log) {
        if (Files.isRegularFile(dataDir().resolve("PG_VERSION"))) {
            return;
        }
        try {
            Files.createDirectories(dir);
            if (!Files.isRegularFile(passwordFile())) {
                byte[] secret = new byte[24];
                new SecureRandom().nextBytes(secret);
                Files.writeString(passwordFile(), HexFormat.of().formatHex(secret) + "\n");
                Files.setPosixFilePermissions(passwordFile(), PosixFilePermissions.fromString("rw-------"));
            }
            // a half-made data folder from an interrupted initdb: initdb refuses a non-empty one
            if (Files.isDirectory(dataDir())) {
                try (var files = Files.walk(dataDir())) {
                    for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
            List<String> cmd = asNonRoot(List.of(bin.resolve("initdb").toString(), "-D", dataDir().toString(), "-U", ROLE,
                    "--pwfile=" + passwordFile(), "-A", "scram-sha-256", "-E", "UTF8", "--locale=C", "--no-instructions"));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new StackException("initdb into " + dataDir() + " failed (see " + log + "). Fix: check the log; "
                        + "remove " + dataDir() + " to start over");
            }
        } catch (IOException e) {
            throw new StackException("cannot create the local PostgreSQL in " + dir + ": " + e.getMessage()
                    + ". Fix: check permissions of the state folder or set FORESIGHT_STATE_DIR");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while creating the local PostgreSQL in " + dir);
        }
    }

    /** The server in the foreground (its pid is the postmaster's), TCP on {@code ip:port} only. */
    public List<String> serverCommand(String ip, int port) {
        return asNonRoot(List.of(bin.resolve("postgres").toString(), "-D", dataDir().toString(),
                "-c", "listen_addresses=" + ip, "-p", Integer.toString(port), "-c", "unix_socket_directories=",
                "-c", "max_connections=100"));
    }

    /** The JDBC address of the state store's database on this server. */
    public static String url(String ip, int port) {
        return "jdbc:postgresql://" + ip + ":" + port + "/" + DATABASE;
    }

    /** True if the server accepts the role's login now. */
    public boolean ready(String ip, int port) {
        try (Connection c = connect(ip, port, "postgres")) {
            return c.isValid(2);
        } catch (SQLException | StackException e) {
            return false;
        }
    }

    /** Creates the state store's database if the server does not have it yet. */
    public void ensureDatabase(String ip, int port) {
        try (Connection c = connect(ip, port, "postgres");
             PreparedStatement q = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            q.setString(1, DATABASE);
            try (ResultSet rs = q.executeQuery()) {
                if (rs.next()) {
                    return;
                }
            }
            try (Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE " + DATABASE + " OWNER " + ROLE);
            }
        } catch (SQLException e) {
            throw new StackException("cannot create database " + DATABASE + " on " + ip + ":" + port + ": " + e.getMessage()
                    + ". Fix: check " + dir + "/../logs or remove " + dataDir() + " to start over");
        }
    }

    private Connection connect(String ip, int port, String database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", ROLE);
        p.setProperty("password", password());
        p.setProperty("connectTimeout", "3");
        p.setProperty("loginTimeout", "3");
        return DriverManager.getConnection("jdbc:postgresql://" + ip + ":" + port + "/" + database, p);
    }

    /** {@code cmd} as an unprivileged user when this process is root (PostgreSQL refuses root). */
    static List<String> asNonRoot(List<String> cmd) {
        if (!runningAsRoot()) {
            return cmd;
        }
        List<String> out = new ArrayList<>(List.of("unshare", "--user", "--map-user=65534", "--map-group=65534"));
        out.addAll(cmd);
        return out;
    }

    static boolean runningAsRoot() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }
}
