/**
 * A sequence of numbers the metrics accept: a plain `number[]` or a numeric typed array such as
 * `Float64Array`, one value per architecture. Inputs are copied, never modified.
 */
export type NumericInput = ArrayLike<number>;
