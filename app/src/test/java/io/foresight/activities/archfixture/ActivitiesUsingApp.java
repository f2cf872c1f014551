package io.foresight.activities.archfixture;

/** Breaks the activities rule on purpose (ArchitectureTest proves the rule catches it): activities calling the app. */
public class ActivitiesUsingApp {
    void run() {
        io.foresight.app.ForesightCli.main(new String[0]);
    }
}
