package io.foresight.workflows.retrain;

/**
 * The data of one retraining, by reference.
 *
 * @param path        where the Spark feature table was written, or "" for families fitted without one
 * @param schemaHash  hash of that table's schema, or "" without one (a model's own feature schema is in its manifest)
 * @param rows        intervals (user x time) in the data window
 * @param backtestId  names the evaluation window (data + split): metrics are comparable only within one id
 * @param evalFrom    Unix s: the model trains on intervals before it, the backtest scores from it on
 * @param end         Unix s: the end (exclusive) of the data window
 */
public record FeatureSet(String path, String schemaHash, long rows, String backtestId, long evalFrom, long end) {}
