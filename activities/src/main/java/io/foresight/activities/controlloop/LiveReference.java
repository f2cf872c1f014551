package io.foresight.activities.controlloop;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * A live source's data-source reference as {@code loop start} writes it: {@code KIND:URL#key=value&...} with at
 * least {@code step} and {@code start}, values URL-encoded. One parser for every live kind (Prometheus, the store).
 *
 * @param url    what follows {@code KIND:}, up to the {@code #}
 * @param params the decoded parameters
 */
record LiveReference(String url, Map<String, String> params) {
    static LiveReference parse(String ref, String kind) {
        if (!ref.startsWith(kind)) {
            throw new IllegalArgumentException("not a " + kind.substring(0, kind.length() - 1) + " data source: " + ref);
        }
        String body = ref.substring(kind.length());
        int hash = body.indexOf('#');
        Map<String, String> p = new HashMap<>();
        if (hash >= 0) {
            for (String kv : body.substring(hash + 1).split("&")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    p.put(kv.substring(0, eq), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        if (hash < 0 || !p.containsKey("step") || !p.containsKey("start")) {
            throw new IllegalArgumentException("data source '" + ref + "' lacks step= or start=. Fix: start the loop with "
                    + "./foresight loop start --pool FILE, which writes them into the reference");
        }
        return new LiveReference(body.substring(0, hash), Map.copyOf(p));
    }

    int step() {
        return Integer.parseInt(params.get("step"));
    }

    long start() {
        return Long.parseLong(params.get("start"));
    }
}
