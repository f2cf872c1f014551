package io.foresight.activities;

import io.foresight.workflows.controlloop.PoolSettings;

/**
 * Builds one pool's collaborators from its pool file's settings (rules and pool kind, model alias, users,
 * actuator), starting from the worker's own configuration. One worker serves every pool; the activities ask
 * this once per distinct settings and keep the answer, so each pool decides with its own rules, forecasts with
 * its own model, knows its own users and applies through its own actuator.
 */
@FunctionalInterface
public interface PoolWiring {
    ControlWorkerConfig forPool(ControlWorkerConfig worker, PoolSettings settings);

    /** Refuses settings: a worker built without the CLI's wiring (tests, embedders) serves only its own configuration. */
    PoolWiring NONE = (worker, settings) -> {
        throw new IllegalArgumentException("this worker serves only its own configuration, but the pool asks for "
                + settings + ". Fix: run the loop on ./foresight worker, which builds each pool's rules, model, users "
                + "and actuator from its pool file");
    };
}
