package io.foresight.core.archfixture;

/** Breaks the core rule on purpose (ArchitectureTest proves the rule catches it): core holding a Drools/KIE type. */
public class CoreUsingDrools {
    org.kie.api.runtime.KieSession session;
}
