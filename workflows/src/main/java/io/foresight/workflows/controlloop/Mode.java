package io.foresight.workflows.controlloop;

/** Whether the loop applies its decisions ({@code ENFORCE}) or only records them ({@code DRY_RUN}). */
public enum Mode {
    ENFORCE,
    DRY_RUN
}
