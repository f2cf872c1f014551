package io.foresight.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.AccessTarget;
import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaConstructor;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.foresight.activities.archfixture.ActivitiesUsingApp;
import io.foresight.core.archfixture.CoreUsingDrools;
import io.foresight.core.archfixture.CoreUsingMlflow;
import io.foresight.core.archfixture.CoreUsingSpark;
import io.foresight.core.archfixture.CoreUsingTemporal;
import io.foresight.workflows.archfixture.WorkflowUsingClock;
import io.foresight.workflows.archfixture.WorkflowUsingIo;
import io.foresight.workflows.archfixture.WorkflowUsingRandom;
import io.foresight.workflows.archfixture.WorkflowUsingTemporalEquivalents;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module boundaries the design depends on, checked on the compiled classes of every module (the app
 * depends on all of them):
 * <ul>
 *   <li>core is plain Java, so the engine runs the same in the worker, in {@code evaluate} and in tests;</li>
 *   <li>workflow code is deterministic (Temporal replays it): no I/O, no wall clock, no randomness except
 *       through {@code Workflow.*};</li>
 *   <li>activities never reach up into the app (the CLI wires activities, not the other way round).</li>
 * </ul>
 * Each rule is also run on small fixture classes that break it (packages
 * {@code io.foresight.core.archfixture} etc. in this test tree), so a rule that silently stopped matching anything fails here.
 */
class ArchitectureTest {
    static final String CORE = "io.foresight.core..";
    static final String WORKFLOWS = "io.foresight.workflows..";
    static final String ACTIVITIES = "io.foresight.activities..";

    static final ArchRule CORE_HAS_NO_FRAMEWORK_TYPES = noClasses().that().resideInAPackage(CORE)
            .should().dependOnClassesThat().resideInAnyPackage("io.temporal..", "org.apache.spark..", "org.kie..",
                    "org.drools..", "org.mlflow..")
            .because("core is the engine both the loop and evaluate run: Temporal, Spark, Drools and MLflow stay in "
                    + "workflows/activities, spark-jobs, rules and mlflow");

    static final ArchRule WORKFLOWS_DO_NO_IO = noClasses().that().resideInAPackage(WORKFLOWS)
            .should().dependOnClassesThat(ioTypes())
            .because("workflow code is replayed by Temporal: I/O belongs in activities");

    static final ArchRule WORKFLOWS_READ_NO_WALL_CLOCK = noClasses().that().resideInAPackage(WORKFLOWS)
            .should().accessTargetWhere(wallClock())
            .because("a replayed workflow must see the time it saw the first time: use Workflow.currentTimeMillis()");

    static final ArchRule WORKFLOWS_DRAW_NO_RANDOMNESS = noClasses().that().resideInAPackage(WORKFLOWS)
            .should().accessTargetWhere(randomness())
            .because("a replayed workflow must draw the numbers it drew the first time: use Workflow.newRandom() "
                    + "or Workflow.randomUUID()");

    static final ArchRule ACTIVITIES_DO_NOT_DEPEND_ON_APP = noClasses().that().resideInAPackage(ACTIVITIES)
            .should().dependOnClassesThat().resideInAPackage("io.foresight.app..")
            .because("the app wires the activities into a worker; activities must not need the CLI");

    static final List<ArchRule> RULES = List.of(CORE_HAS_NO_FRAMEWORK_TYPES, WORKFLOWS_DO_NO_IO,
            WORKFLOWS_READ_NO_WALL_CLOCK, WORKFLOWS_DRAW_NO_RANDOMNESS, ACTIVITIES_DO_NOT_DEPEND_ON_APP);

    static JavaClasses product;

    @BeforeAll
    static void importProduct() {
        // main classes only, from target/classes in a reactor build and from the module jars otherwise
        // (only Foresight's own jars are opened: scanning Spark's and Temporal's for io.foresight takes minutes)
        product = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(l -> !l.isJar() || l.contains("/io/foresight/"))
                .importPackages("io.foresight");
        for (String p : List.of("io.foresight.core.", "io.foresight.workflows.", "io.foresight.activities.",
                "io.foresight.app.")) {
            assertTrue(product.stream().anyMatch(c -> c.getName().startsWith(p)), "no main class of " + p
                    + "* on the test classpath: the rules would check nothing");
        }
    }

    @Test
    void coreHasNoTemporalSparkDroolsOrMlflowTypes() {
        CORE_HAS_NO_FRAMEWORK_TYPES.check(product);
    }

    @Test
    void workflowsDoNoIo() {
        WORKFLOWS_DO_NO_IO.check(product);
    }

    @Test
    void workflowsReadNoWallClock() {
        WORKFLOWS_READ_NO_WALL_CLOCK.check(product);
    }

    @Test
    void workflowsDrawNoRandomness() {
        WORKFLOWS_DRAW_NO_RANDOMNESS.check(product);
    }

    @Test
    void activitiesDoNotDependOnApp() {
        ACTIVITIES_DO_NOT_DEPEND_ON_APP.check(product);
    }

    @Test
    void everyRuleCatchesItsViolation() {
        assertCaught(CORE_HAS_NO_FRAMEWORK_TYPES, CoreUsingTemporal.class);
        assertCaught(CORE_HAS_NO_FRAMEWORK_TYPES, CoreUsingSpark.class);
        assertCaught(CORE_HAS_NO_FRAMEWORK_TYPES, CoreUsingDrools.class);
        assertCaught(CORE_HAS_NO_FRAMEWORK_TYPES, CoreUsingMlflow.class);
        for (Class<?> c : WorkflowUsingIo.class.getDeclaredClasses()) {
            assertCaught(WORKFLOWS_DO_NO_IO, c);
        }
        for (Class<?> c : WorkflowUsingClock.class.getDeclaredClasses()) {
            assertCaught(WORKFLOWS_READ_NO_WALL_CLOCK, c);
        }
        for (Class<?> c : WorkflowUsingRandom.class.getDeclaredClasses()) {
            assertCaught(WORKFLOWS_DRAW_NO_RANDOMNESS, c);
        }
        assertCaught(ACTIVITIES_DO_NOT_DEPEND_ON_APP, ActivitiesUsingApp.class);
    }

    @Test
    void workflowsMayUseTemporalsDeterministicEquivalents() {
        JavaClasses ok = new ClassFileImporter().importClasses(WorkflowUsingTemporalEquivalents.class);
        WORKFLOWS_DO_NO_IO.check(ok);
        WORKFLOWS_READ_NO_WALL_CLOCK.check(ok);
        WORKFLOWS_DRAW_NO_RANDOMNESS.check(ok);
    }

    /** The fixture classes live in test packages named like the checked ones; the rule must reject each alone. */
    private static void assertCaught(ArchRule rule, Class<?> fixture) {
        JavaClasses one = new ClassFileImporter().importClasses(fixture);
        assertFalse(one.isEmpty());
        assertThrows(AssertionError.class, () -> rule.check(one), rule.getDescription() + " missed " + fixture.getName());
    }

    // ---- what counts as I/O, wall clock and randomness ----

    private static DescribedPredicate<JavaClass> ioTypes() {
        return new DescribedPredicate<>("are I/O types (java.io except Serializable, java.nio.file, java.net)") {
            @Override
            public boolean test(JavaClass c) {
                String p = c.getPackageName();
                // Serializable is a marker (records and exceptions carry it), not I/O
                return p.equals("java.io") && !c.getName().equals("java.io.Serializable")
                        || p.startsWith("java.nio.file") || p.equals("java.net") || p.startsWith("java.net.");
            }
        };
    }

    private static final Set<String> CLOCK_READS = Set.of("java.lang.System#currentTimeMillis",
            "java.lang.System#nanoTime", "java.time.Clock#systemUTC", "java.time.Clock#systemDefaultZone",
            "java.util.Calendar#getInstance");
    private static final Set<String> RANDOM_DRAWS = Set.of("java.lang.Math#random", "java.lang.StrictMath#random",
            "java.util.UUID#randomUUID", "java.util.concurrent.ThreadLocalRandom#current",
            "java.security.SecureRandom#getInstance", "java.security.SecureRandom#getInstanceStrong",
            "java.util.random.RandomGenerator#of", "java.util.random.RandomGenerator#getDefault");

    private static final Set<String> RANDOM_GENERATORS = Set.of("java.util.Random", "java.security.SecureRandom",
            "java.util.SplittableRandom");

    private static DescribedPredicate<JavaAccess<?>> wallClock() {
        return new DescribedPredicate<>("reads of the wall clock (System.currentTimeMillis/nanoTime, java.time *.now, "
                + "Clock.system*, new Date(), Calendar.getInstance)") {
            @Override
            public boolean test(JavaAccess<?> access) {
                AccessTarget t = access.getTarget();
                String owner = t.getOwner().getName();
                return CLOCK_READS.contains(owner + "#" + t.getName())
                        || owner.startsWith("java.time.") && t.getName().equals("now")
                        || owner.equals("java.util.Date") && t.getName().equals(JavaConstructor.CONSTRUCTOR_NAME)
                        && t instanceof AccessTarget.CodeUnitAccessTarget cu && cu.getRawParameterTypes().isEmpty();
            }
        };
    }

    private static DescribedPredicate<JavaAccess<?>> randomness() {
        return new DescribedPredicate<>("draws of randomness (new Random/SplittableRandom, Math.random, "
                + "UUID.randomUUID, ThreadLocalRandom, SecureRandom, RandomGenerator)") {
            @Override
            public boolean test(JavaAccess<?> access) {
                AccessTarget t = access.getTarget();
                JavaClass owner = t.getOwner();
                boolean constructs = t.getName().equals(JavaConstructor.CONSTRUCTOR_NAME);
                // a Random handed out by Workflow.newRandom() is fine; constructing one is not
                // (library classes are not resolved, see archunit.properties: the JDK's generators by name)
                return RANDOM_DRAWS.contains(owner.getName() + "#" + t.getName())
                        || constructs && (RANDOM_GENERATORS.contains(owner.getName())
                        || owner.isAssignableTo(java.util.Random.class));
            }
        };
    }
}
