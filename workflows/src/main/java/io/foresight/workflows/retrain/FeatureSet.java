package io.foresight.workflows.retrain;

/**
 * Extracted features, by reference.
 *
 * @param path        where the feature table was written (a directory the training worker can read)
 * @param schemaHash  hash of the feature schema (names and types, in order); versions carry it so the
 *                    serving side can refuse a model trained on different features
 * @param rows        rows in the table
 * @param backtestId  names the evaluation window (data + split): metrics are comparable only within one id
 */
public record FeatureSet(String path, String schemaHash, long rows, String backtestId) {}
