package io.foresight.core.monitor;

import io.foresight.core.model.Resource;

/** One entry of an interval's top-k: the user whose allocation fell short deepest, on which resource. */
public record TopShortfall(int rank, String user, Resource resource, double ratio) {
}
