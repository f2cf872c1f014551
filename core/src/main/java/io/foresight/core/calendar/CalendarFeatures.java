package io.foresight.core.calendar;

import de.focus_shift.jollyday.core.Holiday;
import de.focus_shift.jollyday.core.HolidayManager;
import de.focus_shift.jollyday.core.HolidayType;
import de.focus_shift.jollyday.core.ManagerParameters;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Year;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Calendar features of a moment for one country or region: hour of day, day of week, weekend
 * and public-holiday flags. Holidays come from the maintained Jollyday library (per-country XML
 * calendars, with regions such as "DE-BY" or "US-NY"). Holidays are computed once per year and
 * cached, so calling {@link #at} for every 5-minute step of a long trace stays cheap. Thread-safe.
 *
 * <pre>{@code
 * CalendarFeatures.Features f = CalendarFeatures.of("DE").at(epochSeconds, ZoneId.of("Europe/Berlin"));
 * f.hourOfDay(); f.dayOfWeek(); f.isWeekend(); f.isHoliday();
 * }</pre>
 */
public final class CalendarFeatures {
    /** Calendar features of one moment. {@code dayOfWeek} is ISO: 1 = Monday ... 7 = Sunday. */
    public record Features(int hourOfDay, int dayOfWeek, boolean isWeekend, boolean isHoliday) {}

    private static final Map<String, CalendarFeatures> CACHE = new ConcurrentHashMap<>();

    private final String code;
    private final HolidayManager manager;
    private final String[] region;
    private final Set<DayOfWeek> weekend;
    private final Map<Integer, Set<LocalDate>> holidaysByYear = new ConcurrentHashMap<>();

    private CalendarFeatures(String code, HolidayManager manager, String[] region, Set<DayOfWeek> weekend) {
        this.code = code;
        this.manager = manager;
        this.region = region;
        this.weekend = weekend;
    }

    /**
     * The calendar of a country (ISO 3166 code, e.g. "DE", "us") or a region of it
     * ("DE-BY", "US-NY", "CH-ZH"; further levels with '-', as Jollyday names them). Weekend is
     * Saturday and Sunday; use {@link #withWeekend} where it differs.
     */
    public static CalendarFeatures of(String countryOrRegion) {
        Objects.requireNonNull(countryOrRegion, "countryOrRegion");
        String norm = countryOrRegion.trim().toLowerCase(Locale.ROOT);
        return CACHE.computeIfAbsent(norm, CalendarFeatures::create);
    }

    private static CalendarFeatures create(String norm) {
        String[] parts = norm.split("[-_/]");
        Set<String> supported = HolidayManager.getSupportedCalendarCodes();
        String country = supported.stream().filter(c -> c.equalsIgnoreCase(parts[0])).findFirst().orElse(null);
        if (country == null) {
            throw new IllegalArgumentException("no holiday calendar for '" + norm + "': use an ISO country code, optionally"
                    + " with a region (e.g. DE, DE-BY, US-NY); supported countries: " + new TreeSet<>(supported));
        }
        HolidayManager m = HolidayManager.getInstance(ManagerParameters.create(country));
        String[] region = java.util.Arrays.copyOfRange(parts, 1, parts.length);
        if (region.length > 0) {
            // reject unknown regions instead of silently using the national calendar
            var h = m.getCalendarHierarchy();
            for (int i = 0; i < region.length; i++) {
                String r = region[i];
                String key = h.getChildren().keySet().stream().filter(k -> k.equalsIgnoreCase(r)).findFirst().orElse(null);
                var child = key == null ? null : h.getChildren().get(key);
                if (child == null) {
                    throw new IllegalArgumentException("no region '" + r + "' in the " + country.toUpperCase(Locale.ROOT)
                            + " holiday calendar: known regions " + new TreeSet<>(h.getChildren().keySet()));
                }
                region[i] = key;
                h = child;
            }
        }
        return new CalendarFeatures(norm, m, region, EnumSet.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY));
    }

    /** The same calendar with other weekend days (e.g. Friday and Saturday). */
    public CalendarFeatures withWeekend(Set<DayOfWeek> days) {
        if (days.isEmpty()) {
            throw new IllegalArgumentException("weekend days must not be empty");
        }
        return new CalendarFeatures(code, manager, region, EnumSet.copyOf(days));
    }

    public String code() { return code; }

    /** Features of the moment {@code epochSeconds}, seen in time zone {@code zone}. */
    public Features at(long epochSeconds, ZoneId zone) {
        Objects.requireNonNull(zone, "zone");
        ZonedDateTime t = Instant.ofEpochSecond(epochSeconds).atZone(zone);
        LocalDate d = t.toLocalDate();
        return new Features(t.getHour(), t.getDayOfWeek().getValue(), weekend.contains(t.getDayOfWeek()), isHoliday(d));
    }

    /** True if {@code date} is a public holiday of this calendar (and region). */
    public boolean isHoliday(LocalDate date) {
        return holidaysByYear.computeIfAbsent(date.getYear(), this::load).contains(date);
    }

    private Set<LocalDate> load(int year) {
        Set<LocalDate> days = new HashSet<>();
        for (Holiday h : manager.getHolidays(Year.of(year), HolidayType.PUBLIC_HOLIDAY, region)) {
            days.add(h.getActualDate());
        }
        return Set.copyOf(days);
    }
}
