/**
 * Names of the data sets {@link loadDataset} knows. `fashion-mnist-mini` is a fixed, stratified
 * 6,000/1,000-image subset of Fashion-MNIST that ships inside `@lmreg/train` (no download needed).
 */
export type DatasetName = 'fashion-mnist' | 'fashion-mnist-mini' | 'mnist' | 'cifar10';

/**
 * Images and labels of one split, as plain typed arrays (no tensors, nothing to dispose).
 *
 * `images` is `[n, height, width, channels]` (NHWC), row-major, float32; `labels` holds class
 * indices in `0 .. classes - 1`.
 */
export interface DatasetSplit {
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly n: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/** Per-channel mean and standard deviation of pixel values, one entry per channel. */
export interface ChannelStats {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** A loaded data set: train and test splits plus where they came from. */
export interface Dataset {
  readonly name: DatasetName;
  /** Human-readable class names; `labels` index into this. */
  readonly classes: readonly string[];
  readonly train: DatasetSplit;
  readonly test: DatasetSplit;
  /**
   * The statistics the images were normalised with, `x = (pixel / 255 - mean) / std`, computed on
   * the train split; `undefined` when normalisation was turned off (then `x = pixel / 255`).
   */
  readonly normalization: ChannelStats | undefined;
  /** The folder the data set was read from, and the files of each split. */
  readonly source: { readonly dir: string; readonly train: readonly string[]; readonly test: readonly string[] };
}
