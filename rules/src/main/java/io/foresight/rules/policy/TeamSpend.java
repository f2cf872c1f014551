package io.foresight.rules.policy;

/**
 * What a team runs at (USD per hour) and has spent today (USD). The gate adds each applied change
 * of the cycle, so later changes of the same team see the budget already taken.
 */
public final class TeamSpend {
    private final String team;
    private double perHour;
    private final double today;

    public TeamSpend(String team, double perHour, double today) {
        this.team = team;
        this.perHour = perHour;
        this.today = today;
    }

    public String getTeam() { return team; }
    public double getPerHour() { return perHour; }
    public double getToday() { return today; }

    /** Adds an applied change of this cycle (called by the gate, not by rules). */
    public void add(double deltaPerHour) {
        perHour += deltaPerHour;
    }
}
