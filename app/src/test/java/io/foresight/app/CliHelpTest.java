package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command's help renders as written: picocli treats descriptions as format strings, so a bare '%' garbles it. */
class CliHelpTest {
    @Test
    void everyCommandsHelpRendersWithoutPicocliWarnings() {
        List<CommandLine> all = new ArrayList<>();
        collect(new CommandLine(new ForesightCli()), all);
        assertTrue(all.size() > 15, "expected the whole command tree, found " + all.size());
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        List<String> empty = new ArrayList<>();
        try {
            for (CommandLine c : all) {
                String usage = c.getUsageMessage();
                if (usage.isBlank()) {
                    empty.add(c.getCommandName());
                }
            }
        } finally {
            System.setErr(err);
        }
        String warnings = captured.toString(StandardCharsets.UTF_8);
        assertFalse(warnings.contains("picocli WARN"), warnings);
        assertEquals(List.of(), empty);
    }

    @Test
    void theSweepOptionSaysItsRisksAsPercentages() {
        String usage = new CommandLine(new ForesightCli()).getSubcommands().get("evaluate").getUsageMessage();
        assertTrue(usage.replaceAll("\\s+", " ").contains("(0.5% and 1%)"), usage);
    }

    private static void collect(CommandLine c, List<CommandLine> out) {
        out.add(c);
        for (CommandLine sub : c.getSubcommands().values()) {
            if (!out.contains(sub)) {
                collect(sub, out);
            }
        }
    }
}
