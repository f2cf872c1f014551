package io.foresight.core.calendar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class CalendarFeaturesTest {
    static long epoch(String isoLocal, String zone) {
        return ZonedDateTime.of(java.time.LocalDateTime.parse(isoLocal), ZoneId.of(zone)).toEpochSecond();
    }

    @Test
    void germanUnityDayIsAHolidayInBerlinTime() {
        CalendarFeatures de = CalendarFeatures.of("DE");
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        // 2025-10-03 (Friday) 09:30 local
        CalendarFeatures.Features f = de.at(epoch("2025-10-03T09:30:00", "Europe/Berlin"), berlin);
        assertEquals(9, f.hourOfDay());
        assertEquals(5, f.dayOfWeek());
        assertFalse(f.isWeekend());
        assertTrue(f.isHoliday());
        // the day before is a normal Thursday
        CalendarFeatures.Features g = de.at(epoch("2025-10-02T23:59:00", "Europe/Berlin"), berlin);
        assertFalse(g.isHoliday());
        assertEquals(4, g.dayOfWeek());
        // 2025-10-02 23:30 UTC is already the holiday in Berlin (01:30 local)
        long utc = epoch("2025-10-02T23:30:00", "UTC");
        assertTrue(de.at(utc, berlin).isHoliday());
        assertFalse(de.at(utc, ZoneOffset.UTC).isHoliday());
    }

    @Test
    void regionalHolidaysNeedTheRegion() {
        LocalDate epiphany = LocalDate.of(2025, 1, 6);
        assertTrue(CalendarFeatures.of("DE-BY").isHoliday(epiphany), "Epiphany is a holiday in Bavaria");
        assertFalse(CalendarFeatures.of("DE").isHoliday(epiphany), "but not nationwide");
        assertTrue(CalendarFeatures.of("us").isHoliday(LocalDate.of(2025, 7, 4)));
        assertTrue(CalendarFeatures.of("NL").isHoliday(LocalDate.of(2013, 4, 30)), "Koninginnedag 2013, Bitbrains' country");
    }

    @Test
    void weekendsAndCustomWeekends() {
        CalendarFeatures nl = CalendarFeatures.of("NL");
        long sat = epoch("2013-07-06T12:00:00", "Europe/Amsterdam");
        CalendarFeatures.Features f = nl.at(sat, ZoneId.of("Europe/Amsterdam"));
        assertTrue(f.isWeekend());
        assertEquals(6, f.dayOfWeek());
        assertEquals(12, f.hourOfDay());
        CalendarFeatures friSat = nl.withWeekend(EnumSet.of(DayOfWeek.FRIDAY, DayOfWeek.SATURDAY));
        assertTrue(friSat.at(sat - 86_400, ZoneId.of("Europe/Amsterdam")).isWeekend());
        assertFalse(friSat.at(sat + 86_400, ZoneId.of("Europe/Amsterdam")).isWeekend());
        assertSame(CalendarFeatures.of("nl"), CalendarFeatures.of(" NL "));
    }

    @Test
    void unknownCountryOrRegionIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CalendarFeatures.of("XX"));
        assertTrue(e.getMessage().contains("no holiday calendar for 'xx'") && e.getMessage().contains("de"), e.getMessage());
        IllegalArgumentException r = assertThrows(IllegalArgumentException.class, () -> CalendarFeatures.of("DE-ZZ"));
        assertTrue(r.getMessage().contains("no region 'zz'") && r.getMessage().contains("by"), r.getMessage());
    }
}
