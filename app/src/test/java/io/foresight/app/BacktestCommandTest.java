package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BacktestCommandTest {
    @Test
    void missingTraceFileFailsWithCauseAndFixBeforeStartingSpark() {
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new ForesightCli()).setErr(new PrintWriter(err))
                .setExecutionExceptionHandler((e, c, p) -> {
                    c.getErr().println(e.getMessage());
                    return 2;
                });
        int code = cmd.execute("backtest", "--data", "/nonexistent/trace.csv.gz", "--users", "3");
        assertNotEquals(0, code);
        assertTrue(err.toString().contains("trace file not found"), err.toString());
        assertTrue(err.toString().contains("Fix"), err.toString());
    }

    @Test
    void aCalendarSwitchOtherThanOnOrOffFailsNamingTheChoices() {
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new ForesightCli()).setErr(new PrintWriter(err))
                .setExecutionExceptionHandler((e, c, p) -> {
                    c.getErr().println(e.getMessage());
                    return 2;
                });
        int code = cmd.execute("backtest", "--data", "/nonexistent/trace.csv.gz", "--calendar", "maybe");
        assertNotEquals(0, code);
        assertTrue(err.toString().contains("--calendar 'maybe': use on or off"), err.toString());
    }

    @Test
    void isRegisteredAsSubcommand() {
        assertTrue(new CommandLine(new ForesightCli()).getSubcommands().containsKey("backtest"));
    }
}
